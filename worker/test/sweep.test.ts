// The sweep wakes a run whose alarm is lost, and leaves a sleeping run (alarm set) asleep.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sweepStaleRuns } from "../sweep.ts";
import { alarmOf, createRun, drive, stepNamed, stubOf, testEnv, useFakeTime } from "./helpers.ts";

const clock = useFakeTime();

describe("sweepStaleRuns and poke", () => {
  it("a sleeping run keeps sleeping; a run whose alarm was lost is woken", async () => {
    const run = await createRun("sleepy");
    const sleeping = await drive(run.id);
    expect(sleeping.state.name).toBe("Running");
    const wakeAt = stepNamed(sleeping, "sleep-1").state.scheduledTime as number;
    expect(await alarmOf(run.id)).toBe(wakeAt);

    // Six minutes on, the index shows it unchanged (stale): the sweep asks, and the object,
    // whose alarm is set for its wake time, stays asleep.
    clock.advance(6 * 60_000);
    await sweepStaleRuns(testEnv, Date.now());
    expect(await alarmOf(run.id)).toBe(wakeAt);

    // Its alarm is lost (as after an eviction with no alarm set): the poke re-arms it now.
    await runInDurableObject(stubOf(run.id), (_o, state) => state.storage.deleteAlarm());
    expect(await alarmOf(run.id)).toBeNull();
    const poked = await sweepStaleRuns(testEnv, Date.now());
    expect(poked).toBeGreaterThanOrEqual(1);
    const rearmed = await alarmOf(run.id);
    expect(rearmed).not.toBeNull();
    expect(rearmed as number).toBeLessThanOrEqual(Date.now());
    // Woken, it finds its sleep not over, re-arms for the wake time, and completes then.
    expect((await drive(run.id)).state.name).toBe("Running");
    expect(await alarmOf(run.id)).toBe(wakeAt);
    clock.set(wakeAt);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
  });

  it("a poke of an object with no run does nothing", async () => {
    const stub = stubOf(crypto.randomUUID());
    expect(await (stub as unknown as { poke(): Promise<boolean> }).poke()).toBe(false);
  });
});
