// Durable waits of the flow-run Durable Object (sleeps, retry delays, events), driven
// deterministically: the clock is faked a day ahead of workerd's (see helpers.ts), so no alarm
// fires by itself; each test moves the clock and fires the object's alarm with
// runDurableObjectAlarm. Nothing waits on real time.
import { describe, expect, it } from "vitest";
import {
  alarmOf,
  createRun,
  drive,
  executionsOf,
  expectError,
  fireAlarm,
  getRun,
  json,
  post,
  type Run,
  states,
  stepNamed,
  useFakeTime,
} from "./helpers.ts";

const clock = useFakeTime();

describe("sleep", () => {
  it("arms the alarm for the journaled wake time of a 10m sleep and completes once it passes", async () => {
    const run = await createRun("sleepy");
    expect(run.state.type).toBe("PENDING");
    // Created: due now, and nothing has run yet (the fake clock keeps workerd from firing it).
    expect(await alarmOf(run.id)).toBe(run.state.timestamp);
    expect(await executionsOf(run.id)).toEqual({});

    const sleeping = await drive(run.id);
    // Asleep, the run is still Running (Suspended means waiting for an event); its sleep step
    // is Scheduled for the wake time.
    expect(sleeping.state).toMatchObject({ type: "RUNNING", name: "Running" });
    const sleep = stepNamed(sleeping, "sleep-1");
    expect(sleep.state).toMatchObject({
      type: "SCHEDULED",
      scheduledTime: sleep.startedAt + 600_000,
    });
    const wakeAt = sleep.state.scheduledTime as number;
    expect(wakeAt).toBe(sleep.startedAt + 600_000);
    expect(await alarmOf(run.id)).toBe(wakeAt);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });

    // An alarm firing before the wake time (a spurious wake-up) runs nothing and re-arms it.
    clock.set(wakeAt - 1);
    expect(await fireAlarm(run.id)).toBe(true);
    expect((await getRun(run.id)).state.name).toBe("Running");
    expect(await alarmOf(run.id)).toBe(wakeAt);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });

    clock.set(wakeAt);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(3);
    expect(states(done.stateHistory)).toEqual([
      "PENDING/Pending",
      "RUNNING/Running",
      "COMPLETED/Completed",
    ]);
    expect(stepNamed(done, "sleep-1").state.type).toBe("COMPLETED");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "add-1": 1 });
    // A finished run keeps no alarm.
    expect(await alarmOf(run.id)).toBeNull();
  });

  it("completes a 1 ms sleep once the clock passes it", async () => {
    const run = await createRun("nap", { parameters: { ms: 1 } });
    const sleeping = await drive(run.id);
    expect(sleeping.state.name).toBe("Running");
    const wakeAt = stepNamed(sleeping, "sleep-1").startedAt + 1;
    expect(stepNamed(sleeping, "sleep-1").state.scheduledTime).toBe(wakeAt);
    expect(await alarmOf(run.id)).toBe(wakeAt);
    clock.advance(1);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(2);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "add-1": 1 });
  });

  it("starts a scheduled run at its scheduled time, not before", async () => {
    const scheduledAt = Date.now() + 3_600_000;
    const run = await createRun("sum", { parameters: { n: 2 }, scheduledAt });
    expect(run.state).toMatchObject({ type: "SCHEDULED", scheduledTime: scheduledAt });
    expect(await alarmOf(run.id)).toBe(scheduledAt);
    clock.set(scheduledAt - 1000);
    await fireAlarm(run.id);
    expect((await getRun(run.id)).state.type).toBe("SCHEDULED");
    expect(await alarmOf(run.id)).toBe(scheduledAt);
    expect(await executionsOf(run.id)).toEqual({});
    clock.set(scheduledAt);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(3);
  });
});

describe("retries", () => {
  it("waits out each retry delay on the alarm, then completes", async () => {
    const run = await createRun("retrying", { parameters: { failures: 2 } });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const waiting = await drive(run.id);
      const flaky = stepNamed(waiting, "flaky-0");
      const failedAt = flaky.state.timestamp;
      expect(flaky.state).toMatchObject({
        type: "SCHEDULED",
        name: "AwaitingRetry",
        scheduledTime: failedAt + 30_000,
      });
      // The run stays Running while its task waits out the delay (Suspended = waiting for input).
      expect(waiting.state).toMatchObject({ type: "RUNNING", name: "Running" });
      expect(states(waiting.stateHistory)).not.toContain("PAUSED/Suspended");
      expect(await alarmOf(run.id)).toBe(failedAt + 30_000);
      expect(await executionsOf(run.id)).toEqual({ "flaky-0": attempt });
      // Not yet: an early alarm does not run the next attempt.
      clock.set(failedAt + 29_999);
      await fireAlarm(run.id);
      expect(await executionsOf(run.id)).toEqual({ "flaky-0": attempt });
      clock.set(failedAt + 30_000);
    }
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(3);
    const flaky = stepNamed(done, "flaky-0");
    expect(flaky.attempts).toBe(3);
    expect(states(flaky.stateHistory).filter((s) => s.endsWith("AwaitingRetry"))).toHaveLength(2);
    expect(await executionsOf(run.id)).toEqual({ "flaky-0": 3 });
  });

  it("fails the run when the retries run out", async () => {
    const run = await createRun("retrying", { parameters: { failures: 5 } });
    let current = await drive(run.id);
    for (let i = 0; i < 5 && current.state.type !== "FAILED"; i++) {
      clock.advance(30_000);
      current = await drive(run.id);
    }
    expect(current.state.type).toBe("FAILED");
    expect(current.error?.message).toContain("attempt 3 failed");
    expect(await executionsOf(run.id)).toEqual({ "flaky-0": 3 });
    expect(await alarmOf(run.id)).toBeNull();
  });
});

describe("waitForEvent", () => {
  it("takes an event sent late, while the run is suspended waiting for it", async () => {
    const run = await createRun("approval");
    const waiting = await drive(run.id);
    expect(waiting.state.name).toBe("Suspended");
    const wait = stepNamed(waiting, "wait-for-approved");
    expect(wait.kind).toBe("event");
    expect(wait.state.type).toBe("PAUSED");
    // The timeout (1d) is the only timer: the alarm is set for it.
    expect(await alarmOf(run.id)).toBe(wait.startedAt + 86_400_000);

    // An event with another name wakes the run but does not satisfy the wait.
    expect(
      (await post(`/api/runs/${run.id}/events/rejected`, { payload: { by: "bo" } })).status,
    ).toBe(200);
    expect((await drive(run.id)).state.name).toBe("Suspended");

    const sent = await post(`/api/runs/${run.id}/events/approved`, { payload: { by: "ana" } });
    expect(sent.status).toBe(200);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toEqual({ before: 1, by: "ana" });
    expect(stepNamed(done, "wait-for-approved").state.type).toBe("COMPLETED");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });
    // The run is over: another event is a conflict, and changes nothing.
    await expectError(post(`/api/runs/${run.id}/events/approved`, { payload: 1 }), 409, "conflict");
    expect((await getRun(run.id)).result).toEqual({ before: 1, by: "ana" });
  });

  it("keeps an event sent early, before the run's first alarm, for the wait", async () => {
    const run = await createRun("approval");
    const sent = await json<Run>(
      post(`/api/runs/${run.id}/events/approved`, { payload: { by: "early" } }),
    );
    // Sent before anything ran: the run is still Pending, with no steps.
    expect(sent.state.type).toBe("PENDING");
    expect(sent.steps).toEqual([]);
    expect(await executionsOf(run.id)).toEqual({});
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toEqual({ before: 1, by: "early" });
    // It never had to suspend.
    expect(done.stateHistory.some((s) => s.name === "Suspended")).toBe(false);
  });

  it("fails the run when the event does not come before the timeout", async () => {
    const run = await createRun("impatient");
    const waiting = await drive(run.id);
    const timeoutAt = stepNamed(waiting, "wait-for-go").startedAt + 3_600_000;
    expect(await alarmOf(run.id)).toBe(timeoutAt);
    clock.set(timeoutAt);
    const done = await drive(run.id);
    expect(done.state.type).toBe("FAILED");
    expect(done.error?.name).toBe("TimeoutError");
  });
});
