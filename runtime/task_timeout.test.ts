import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FlowRunError, flow, type TaskContext, TimeoutError, task } from "./mod.ts";
import { FakeClock } from "./testing/fake_clock.ts";
import { never, runStep, START } from "./testing/run_body.ts";

describe("timeout", () => {
  test('a task that never resolves with timeout "5s" is TimedOut and its signal aborts', async () => {
    let signal: AbortSignal | undefined;
    const hang = task({ name: "hang", timeout: "5s" }, async function (this: TaskContext) {
      signal = this.signal;
      return never();
    });
    const { state, taskRuns, clock, logs, runId } = await runStep(() => hang());
    assert.equal(state.type, "FAILED");
    assert.ok(state.error instanceof TimeoutError, String(state.error));
    assert.equal(state.error.message, "Task run 'hang-0' exceeded its timeout of 5s");
    assert.deepEqual(clock.waits, [5_000]);
    const taskRun = taskRuns[0];
    assert.ok(taskRun !== undefined);
    assert.deepEqual(taskRun.state, {
      type: "FAILED",
      name: "TimedOut",
      timestamp: START + 5_000,
      message: "Task run 'hang-0' exceeded its timeout of 5s",
    });
    assert.deepEqual(
      taskRun.stateHistory.map((s) => s.name),
      ["Running", "TimedOut"],
    );
    assert.ok(taskRun.error instanceof TimeoutError);
    assert.ok(signal?.aborted, "the task's signal aborted");
    assert.ok(signal.reason instanceof TimeoutError);
    assert.deepEqual(logs.messages(runId, "0"), [
      "Task run failed with exception: TimeoutError: Task run 'hang-0' exceeded its timeout of 5s",
      "Finished in state TimedOut('Task run 'hang-0' exceeded its timeout of 5s')",
    ]);
  });

  test("the run fails with the TimeoutError as FlowRunError.cause", async () => {
    const hang = task({ name: "hang", timeout: 2 }, () => never());
    const f = flow({ name: "times-out" }, async function* () {
      return yield* hang();
    });
    const clock = new FakeClock({ autoAdvance: true });
    const error = await f.run({}, { clock, console: false }).then(
      () => assert.fail("the run should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    assert.ok(error.cause instanceof TimeoutError);
    assert.match(error.cause.message, /exceeded its timeout of 2s/);
    assert.deepEqual(clock.waits, [2_000]);
  });

  test("a task that listens to its signal and rejects is TimedOut too", async () => {
    const polite = task({ name: "polite", timeout: "1s" }, function (this: TaskContext) {
      return new Promise((_resolve, reject) => {
        this.signal.addEventListener("abort", () => reject(this.signal.reason));
      });
    });
    const { taskRuns } = await runStep(() => polite());
    assert.equal(taskRuns[0]?.state.name, "TimedOut");
  });

  test("a task that finishes in time completes, and its signal does not abort", async () => {
    let signal: AbortSignal | undefined;
    const quick = task({ name: "quick", timeout: "5s" }, async function (this: TaskContext) {
      signal = this.signal;
      return "done";
    });
    const { state, taskRuns, clock } = await runStep(() => quick());
    assert.equal(state.result, "done");
    assert.equal(taskRuns[0]?.state.name, "Completed");
    assert.equal(signal?.aborted, false);
    // The timeout timer was armed, then dropped: nothing is left pending.
    assert.deepEqual(clock.waits, [5_000]);
    assert.equal(clock.pending, 0);
  });

  test("timeout with retries: a timed-out attempt is retried", async () => {
    const signals: AbortSignal[] = [];
    const sometimes = task(
      { name: "sometimes", timeout: "5s", retries: 2, retryDelay: 1 },
      async function (this: TaskContext) {
        signals.push(this.signal);
        if (this.attempt === 1) return never();
        return this.attempt;
      },
    );
    const { state, taskRuns, clock } = await runStep(() => sometimes());
    assert.equal(state.result, 2);
    assert.equal(signals.length, 2);
    assert.equal(signals[0]?.aborted, true);
    assert.equal(signals[1]?.aborted, false);
    const taskRun = taskRuns[0];
    assert.equal(taskRun?.attempts, 2);
    assert.deepEqual(
      taskRun?.stateHistory.map((s) => [s.name, s.timestamp - START]),
      [
        ["Running", 0],
        ["AwaitingRetry", 5_000],
        ["Retrying", 6_000],
        ["Completed", 6_000],
      ],
    );
    assert.equal(
      taskRun?.stateHistory[1]?.message,
      "Task run 'sometimes-0' exceeded its timeout of 5s",
    );
    assert.deepEqual(clock.waits, [5_000, 1_000, 5_000]);
  });

  test("timeout with retries: when every attempt times out the last state is TimedOut", async () => {
    let calls = 0;
    const stuck = task({ name: "stuck", timeout: "5s", retries: 2 }, () => {
      calls++;
      return never();
    });
    const { state, taskRuns, clock } = await runStep(() => stuck());
    assert.equal(calls, 3);
    assert.ok(state.error instanceof TimeoutError);
    assert.deepEqual(
      taskRuns[0]?.stateHistory.map((s) => s.name),
      ["Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying", "TimedOut"],
    );
    assert.equal(taskRuns[0]?.state.timestamp, START + 15_000);
    assert.deepEqual(clock.waits, [5_000, 5_000, 5_000]);
  });

  test("a task error that happens to be a TimeoutError is an ordinary failure", async () => {
    const own = task({ name: "own-timeout", timeout: "1h" }, () => {
      throw new TimeoutError("upstream timed out");
    });
    const { taskRuns } = await runStep(() => own());
    assert.equal(taskRuns[0]?.state.name, "Failed");
  });
});
