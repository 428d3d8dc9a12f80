// On the real clock, workerd fires a due alarm by itself as well: these runs are driven by
// both workerd's alarms and the test's, racing, and must still run each step exactly once.
// (Every other durable test fakes the clock so that only the test fires alarms.)
import { describe, expect, it } from "vitest";
import { createRun, executionsOf, fireAlarm, getRun, type Run, stepNamed } from "./helpers.ts";

/** Fires the run's alarm until it has finished (each firing is I/O, so real time passes). */
async function untilFinished(runId: string, max = 500): Promise<Run> {
  for (let i = 0; i < max; i++) {
    const run = await getRun(runId);
    if (["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(run.state.type)) return run;
    await fireAlarm(runId);
  }
  throw new Error(`Run ${runId} did not finish after ${max} alarms`);
}

describe("on the real clock", () => {
  // 100 ms, not 1: a 1 ms wake time can already be due when the sleep is reached on a busy
  // machine, and then the run (rightly) never suspends.
  it("a 100 ms sleep suspends the run (Running, held by no process), completes from the alarm, each step once", async () => {
    const run = await createRun("nap", { parameters: { ms: 100 } });
    const done = await untilFinished(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(2);
    expect(done.stateHistory.some((s) => s.name === "Suspended")).toBe(false);
    expect(stepNamed(done, "sleep-1").state.type).toBe("COMPLETED");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "add-1": 1 });
  });

  it("a fan-out of 100 driven by racing alarms runs each task once", async () => {
    const run = await createRun("fan-out", { parameters: { n: 100 } });
    const done = await untilFinished(run.id);
    expect(done.result).toBe(5050);
    const counts = Object.values(await executionsOf(run.id));
    expect(counts).toHaveLength(100);
    expect(counts.every((n) => n === 1)).toBe(true);
  });
});
