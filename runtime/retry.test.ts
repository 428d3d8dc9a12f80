import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  exponentialBackoff,
  FlowRunError,
  flow,
  InMemoryJournal,
  InMemoryLogStore,
  inspectRun,
  NonRetryableError,
  RetryAfterError,
  type RetryDelay,
  retryDelayMs,
  type State,
  type Step,
  task,
  UsageError,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

const START = Date.UTC(2026, 0, 1);

/** Runs a one-step flow on a fake clock that jumps to each timer; returns what tests inspect. */
async function runStep<R>(makeStep: () => Step<R>, runId = "run-1") {
  const journal = new InMemoryJournal({ serialize: true });
  const clock = new FakeClock({ start: START, autoAdvance: true });
  const logs = new InMemoryLogStore();
  const single = flow({ name: "single" }, async function* () {
    return yield* makeStep();
  });
  const state = await single.run(
    {},
    { journal, clock, logs, runId, console: false, returnState: true },
  );
  const view = await inspectRun(journal, runId);
  const taskRun = view.taskRuns[0];
  assert.ok(taskRun !== undefined, "the run has a task run");
  return { state, view, taskRun, clock, logs, journal };
}

/** A task function that throws `failures` times, then returns "ok"; it counts its calls. */
function flaky(
  failures: number,
  makeError: (n: number) => Error = (n) => new TypeError(`boom ${n}`),
) {
  const seen: number[] = [];
  const fn = async function (this: { attempt: number }): Promise<string> {
    seen.push(this.attempt);
    if (seen.length <= failures) throw makeError(seen.length);
    return "ok";
  };
  return { fn, seen };
}

const names = (states: readonly State[]) => states.map((s) => s.name);

describe("retries are counted exactly", () => {
  test("a task failing 3 times with retries: 3 is called exactly 4 times and completes", async () => {
    const { fn, seen } = flaky(3);
    const t = task({ name: "fetch-fact", retries: 3 }, fn);
    const { state, taskRun, clock } = await runStep(() => t());
    assert.equal(state.type, "COMPLETED");
    assert.equal(state.result, "ok");
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.equal(taskRun.attempts, 4);
    assert.equal(taskRun.state.name, "Completed");
    assert.deepEqual(names(taskRun.stateHistory), [
      "Running",
      "AwaitingRetry",
      "Retrying",
      "AwaitingRetry",
      "Retrying",
      "AwaitingRetry",
      "Retrying",
      "Completed",
    ]);
    assert.deepEqual(
      taskRun.stateHistory.map((s) => s.type),
      [
        "RUNNING",
        "SCHEDULED",
        "RUNNING",
        "SCHEDULED",
        "RUNNING",
        "SCHEDULED",
        "RUNNING",
        "COMPLETED",
      ],
    );
    // No retryDelay: retries start at once, without waiting on the clock.
    assert.deepEqual(clock.waits, []);
  });

  test("a task that recovers early does not use its remaining retries", async () => {
    const { fn, seen } = flaky(2);
    const t = task({ name: "early", retries: 5 }, fn);
    const { state, taskRun } = await runStep(() => t());
    assert.equal(state.type, "COMPLETED");
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(taskRun.attempts, 3);
  });

  test("without retries a failing task is called once", async () => {
    const { fn, seen } = flaky(1);
    const t = task({ name: "once" }, fn);
    const { state, taskRun } = await runStep(() => t());
    assert.equal(state.type, "FAILED");
    assert.deepEqual(seen, [1]);
    assert.equal(taskRun.attempts, 1);
    assert.deepEqual(names(taskRun.stateHistory), ["Running", "Failed"]);
  });

  test("AwaitingRetry is SCHEDULED at the retry time and carries the error message", async () => {
    const { fn } = flaky(1);
    const t = task({ name: "sched", retries: 1, retryDelay: 7 }, fn);
    const { taskRun } = await runStep(() => t());
    const [running, awaiting, retrying, completed] = taskRun.stateHistory;
    assert.deepEqual(running, { type: "RUNNING", name: "Running", timestamp: START });
    assert.deepEqual(awaiting, {
      type: "SCHEDULED",
      name: "AwaitingRetry",
      timestamp: START,
      message: "boom 1",
      scheduledTime: START + 7_000,
    });
    assert.deepEqual(retrying, { type: "RUNNING", name: "Retrying", timestamp: START + 7_000 });
    assert.deepEqual(completed, { type: "COMPLETED", name: "Completed", timestamp: START + 7_000 });
    assert.equal(taskRun.startedAt, START);
    assert.equal(taskRun.endedAt, START + 7_000);
  });

  test("each task run has its own retry budget", async () => {
    const a = flaky(2);
    const b = flaky(2);
    const ta = task({ name: "a", retries: 2 }, a.fn);
    const tb = task({ name: "b", retries: 2 }, b.fn);
    const journal = new InMemoryJournal({ serialize: true });
    const both = flow({ name: "both" }, async function* () {
      return [yield* ta(), yield* tb()];
    });
    const result = await both.run(
      {},
      { journal, runId: "budget", clock: new FakeClock({ autoAdvance: true }), console: false },
    );
    assert.deepEqual(result, ["ok", "ok"]);
    assert.deepEqual(a.seen, [1, 2, 3]);
    assert.deepEqual(b.seen, [1, 2, 3]);
    const view = await inspectRun(journal, "budget");
    assert.deepEqual(
      view.taskRuns.map((t) => t.attempts),
      [3, 3],
    );
  });
});

describe("retries exhausted", () => {
  test("the flow run fails and its FlowRunError.cause is the task's last error", async () => {
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY);
    const t = task({ name: "doomed", retries: 2, retryDelay: 1 }, fn);
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ autoAdvance: true });
    const doomed = flow({ name: "doomed-flow" }, async function* () {
      return yield* t();
    });
    const error = await doomed.run({}, { journal, clock, runId: "doomed-1", console: false }).then(
      () => assert.fail("the run should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    assert.equal(error.runId, "doomed-1");
    assert.equal(error.state.type, "FAILED");
    assert.equal(error.state.name, "Failed");
    assert.ok(error.cause instanceof TypeError, String(error.cause));
    assert.equal(error.cause.message, "boom 3");
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(clock.waits, [1_000, 1_000]);

    const view = await inspectRun(journal, "doomed-1");
    const taskRun = view.taskRuns[0];
    assert.ok(taskRun !== undefined);
    assert.equal(taskRun.attempts, 3);
    assert.deepEqual(names(taskRun.stateHistory), [
      "Running",
      "AwaitingRetry",
      "Retrying",
      "AwaitingRetry",
      "Retrying",
      "Failed",
    ]);
    assert.equal(taskRun.state.type, "FAILED");
    assert.equal(taskRun.state.message, "Task run encountered an exception TypeError: boom 3");
    assert.ok(taskRun.error instanceof TypeError);
    assert.equal(taskRun.error.message, "boom 3");
    assert.equal(view.state?.type, "FAILED");
    assert.ok(view.error instanceof TypeError);
    assert.equal(view.error.message, "boom 3");
  });

  test("the flow body can catch the task's error after its retries and carry on", async () => {
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY);
    const t = task({ name: "doomed", retries: 1 }, fn);
    const tolerant = flow({ name: "tolerant" }, async function* () {
      try {
        return yield* t();
      } catch (error) {
        return `caught ${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    const result = await tolerant.run(
      {},
      { clock: new FakeClock({ autoAdvance: true }), console: false },
    );
    assert.equal(result, "caught TypeError: boom 2");
    assert.deepEqual(seen, [1, 2]);
  });

  test("errors of classes not known to Weir keep their name and message", async () => {
    class QuotaError extends Error {
      override name = "QuotaError";
    }
    const t = task({ name: "quota", retries: 1 }, () => {
      throw new QuotaError("over quota");
    });
    const { state } = await runStep(() => t());
    assert.equal(state.type, "FAILED");
    assert.equal(state.error?.name, "QuotaError");
    assert.equal(state.error?.message, "over quota");
  });
});

describe("retryDelay", () => {
  const delays = async (retryDelay: RetryDelay, retries: number) => {
    const t = task({ name: "always-fails", retries, retryDelay }, () => {
      throw new Error("nope");
    });
    const { clock, taskRun } = await runStep(() => t());
    assert.equal(taskRun.attempts, retries + 1);
    return clock.waits;
  };

  test("a number is seconds before every retry", async () => {
    assert.deepEqual(await delays(3, 2), [3_000, 3_000]);
  });

  test("a duration string", async () => {
    assert.deepEqual(await delays("1m", 1), [60_000]);
    assert.deepEqual(await delays("250ms", 2), [250, 250]);
  });

  test("a list whose last value repeats: [1, 5, 10] with 4 retries waits 1s, 5s, 10s, 10s", async () => {
    assert.deepEqual(await delays([1, 5, 10], 4), [1_000, 5_000, 10_000, 10_000]);
  });

  test("a list longer than the retries uses its first values", async () => {
    assert.deepEqual(await delays([1, 2, 3, 4], 2), [1_000, 2_000]);
  });

  test("a list may mix numbers and strings", async () => {
    assert.deepEqual(await delays(["500ms", 2, "1m"], 3), [500, 2_000, 60_000]);
  });

  test("exponentialBackoff(10) waits 10s, 20s, 40s", async () => {
    assert.deepEqual(await delays(exponentialBackoff(10), 3), [10_000, 20_000, 40_000]);
  });

  test("a function gets the retry number, 1 for the first retry", async () => {
    const asked: number[] = [];
    const waits = await delays((retry) => {
      asked.push(retry);
      return `${retry * 2}s`;
    }, 3);
    assert.deepEqual(asked, [1, 2, 3]);
    assert.deepEqual(waits, [2_000, 4_000, 6_000]);
  });

  test("retries start at the journaled time: Retrying timestamps follow the delays", async () => {
    const t = task({ name: "timed", retries: 2, retryDelay: [1, 5] }, () => {
      throw new Error("nope");
    });
    const { taskRun } = await runStep(() => t());
    const retrying = taskRun.stateHistory.filter((s) => s.name === "Retrying");
    assert.deepEqual(
      retrying.map((s) => s.timestamp - START),
      [1_000, 6_000],
    );
    const awaiting = taskRun.stateHistory.filter((s) => s.name === "AwaitingRetry");
    assert.deepEqual(
      awaiting.map((s) => (s.scheduledTime ?? 0) - START),
      [1_000, 6_000],
    );
  });
});

describe("retryJitterFactor", () => {
  const jittered = async (runId: string) => {
    const t = task({ name: "jitter", retries: 4, retryDelay: 10, retryJitterFactor: 0.5 }, () => {
      throw new Error("nope");
    });
    const { clock } = await runStep(() => t(), runId);
    return clock.waits;
  };

  test("each delay lies in [d, d·(1 + f)], in whole milliseconds", async () => {
    const waits = await jittered("jitter-a");
    assert.equal(waits.length, 4);
    for (const ms of waits) {
      assert.ok(ms >= 10_000 && ms <= 15_000, `${ms} is outside [10000, 15000]`);
      assert.ok(Number.isInteger(ms), `${ms} is not whole`);
    }
    assert.ok(
      waits.some((ms) => ms > 10_000),
      `jitter was applied: ${waits.join(", ")}`,
    );
    assert.ok(new Set(waits).size > 1, `each retry draws its own jitter: ${waits.join(", ")}`);
  });

  test("the same run id gives the same delays (replay is deterministic)", async () => {
    assert.deepEqual(await jittered("jitter-a"), await jittered("jitter-a"));
  });

  test("another run id gives other delays", async () => {
    assert.notDeepEqual(await jittered("jitter-a"), await jittered("jitter-b"));
  });

  test("jitter 0 leaves the delays as they are", async () => {
    const t = task({ name: "flat", retries: 2, retryDelay: 10, retryJitterFactor: 0 }, () => {
      throw new Error("nope");
    });
    const { clock } = await runStep(() => t());
    assert.deepEqual(clock.waits, [10_000, 10_000]);
  });
});

describe("retryCondition", () => {
  test("gets the error and the attempt; false stops retrying", async () => {
    const thrown: Error[] = [];
    const asked: [Error, number][] = [];
    const t = task(
      {
        name: "conditional",
        retries: 5,
        retryCondition: (error, attempt) => {
          asked.push([error, attempt]);
          return attempt < 2;
        },
      },
      () => {
        const error = new Error(`failure ${thrown.length + 1}`);
        thrown.push(error);
        throw error;
      },
    );
    const { state, taskRun } = await runStep(() => t());
    assert.equal(thrown.length, 2);
    assert.equal(asked.length, 2);
    assert.equal(asked[0]?.[0], thrown[0]);
    assert.equal(asked[0]?.[1], 1);
    assert.equal(asked[1]?.[0], thrown[1]);
    assert.equal(asked[1]?.[1], 2);
    assert.equal(state.type, "FAILED");
    assert.equal(state.error?.message, "failure 2");
    assert.equal(taskRun.attempts, 2);
    assert.deepEqual(names(taskRun.stateHistory), [
      "Running",
      "AwaitingRetry",
      "Retrying",
      "Failed",
    ]);
  });

  test("an async condition that resolves false means no retry at all", async () => {
    const { fn, seen } = flaky(1);
    const t = task({ name: "never", retries: 3, retryCondition: async () => false }, fn);
    const { state, clock } = await runStep(() => t());
    assert.equal(state.type, "FAILED");
    assert.deepEqual(seen, [1]);
    assert.deepEqual(clock.waits, []);
  });

  test("a condition can retry only some errors", async () => {
    let calls = 0;
    const t = task(
      {
        name: "selective",
        retries: 5,
        retryCondition: (error) => error instanceof RangeError,
      },
      () => {
        calls++;
        if (calls <= 2) throw new RangeError("transient");
        throw new SyntaxError("permanent");
      },
    );
    const { state } = await runStep(() => t());
    assert.equal(calls, 3);
    assert.ok(state.error instanceof SyntaxError);
  });

  test("is not asked once the retries are used up", async () => {
    const asked: number[] = [];
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY);
    const t = task(
      {
        name: "bounded",
        retries: 1,
        retryCondition: (_error, attempt) => {
          asked.push(attempt);
          return true;
        },
      },
      fn,
    );
    await runStep(() => t());
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(asked, [1]);
  });

  test("a condition that throws means no retry, and says so in the task's log", async () => {
    const { fn, seen } = flaky(1);
    const t = task(
      {
        name: "broken-condition",
        retries: 3,
        retryCondition: () => {
          throw new Error("condition bug");
        },
      },
      fn,
    );
    const { state, logs } = await runStep(() => t());
    assert.equal(state.type, "FAILED");
    assert.deepEqual(seen, [1]);
    const record = logs.records.find((r) => r.message.startsWith("retryCondition threw"));
    assert.ok(record !== undefined, "the failing condition is logged");
    assert.equal(record.level, "ERROR");
    assert.equal(record.stepId, "0");
    assert.match(record.message, /condition bug; not retrying/);
  });
});

describe("NonRetryableError and RetryAfterError", () => {
  test("NonRetryableError never retries, and the condition is not asked", async () => {
    let conditionCalls = 0;
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY, () => new NonRetryableError("404"));
    const t = task(
      {
        name: "not-found",
        retries: 5,
        retryDelay: 1,
        retryCondition: () => {
          conditionCalls++;
          return true;
        },
      },
      fn,
    );
    const { state, taskRun, clock } = await runStep(() => t());
    assert.deepEqual(seen, [1]);
    assert.equal(conditionCalls, 0);
    assert.deepEqual(clock.waits, []);
    assert.equal(state.type, "FAILED");
    assert.ok(state.error instanceof NonRetryableError);
    assert.equal(state.error.message, "404");
    assert.deepEqual(names(taskRun.stateHistory), ["Running", "Failed"]);
  });

  test("subclasses of NonRetryableError never retry either", async () => {
    class GoneError extends NonRetryableError {}
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY, () => new GoneError("gone"));
    const t = task({ name: "gone", retries: 3 }, fn);
    await runStep(() => t());
    assert.deepEqual(seen, [1]);
  });

  test("NonRetryableError after a retryable failure stops the remaining retries", async () => {
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY, (n) =>
      n === 1 ? new Error("transient") : new NonRetryableError("permanent"),
    );
    const t = task({ name: "mixed", retries: 5 }, fn);
    const { taskRun } = await runStep(() => t());
    assert.deepEqual(seen, [1, 2]);
    assert.equal(taskRun.error?.name, "NonRetryableError");
  });

  test("RetryAfterError overrides retryDelay for that retry only", async () => {
    const { fn, seen } = flaky(2, (n) =>
      n === 1 ? new RetryAfterError("rate limited", "30s") : new Error("plain"),
    );
    const t = task({ name: "limited", retries: 3, retryDelay: 1 }, fn);
    const { state, clock, taskRun } = await runStep(() => t());
    assert.equal(state.type, "COMPLETED");
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(clock.waits, [30_000, 1_000]);
    assert.equal(taskRun.stateHistory[1]?.scheduledTime, START + 30_000);
  });

  test("RetryAfterError takes seconds as a number too, and works without retryDelay", async () => {
    const { fn } = flaky(1, () => new RetryAfterError("slow down", 2));
    const t = task({ name: "limited", retries: 1 }, fn);
    const { clock, state } = await runStep(() => t());
    assert.equal(state.type, "COMPLETED");
    assert.deepEqual(clock.waits, [2_000]);
  });

  test("RetryAfterError still uses one of the task's retries", async () => {
    const { fn, seen } = flaky(Number.POSITIVE_INFINITY, () => new RetryAfterError("busy", "5s"));
    const t = task({ name: "busy", retries: 1 }, fn);
    const { state, clock } = await runStep(() => t());
    assert.equal(state.type, "FAILED");
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(clock.waits, [5_000]);
    assert.ok(state.error instanceof RetryAfterError);
    assert.equal(state.error.retryAfterMs, 5_000);
  });
});

describe("retry logs", () => {
  test("each failed attempt is logged with the retry number and the delay, Prefect-style", async () => {
    const { fn } = flaky(2);
    const t = task({ name: "logged", retries: 3, retryDelay: [5, 90] }, fn);
    const { logs } = await runStep(() => t(), "logged-run");
    const taskRecords = logs.records.filter((r) => r.stepId === "0");
    assert.deepEqual(
      taskRecords.map((r) => [r.level, r.message]),
      [
        [
          "ERROR",
          "Task run failed with exception: TypeError: boom 1 - Retry 1/3 will start 5s from now",
        ],
        [
          "ERROR",
          "Task run failed with exception: TypeError: boom 2 - Retry 2/3 will start 1m30s from now",
        ],
        ["INFO", "Finished in state Completed()"],
      ],
    );
    for (const record of taskRecords) {
      assert.equal(record.source, "Task run 'logged-0'");
      assert.equal(record.runId, "logged-run");
    }
  });

  test("the final failure is logged with the exception and the Failed state", async () => {
    const t = task({ name: "fatal" }, () => {
      throw new RangeError("out of range");
    });
    const { logs } = await runStep(() => t());
    const records = logs.records.filter((r) => r.stepId === "0");
    // The failure line carries the stack under the exception; the API's error fields do not.
    assert.match(records[0]?.message ?? "", /\n {4}at .*retry\.test\.ts:\d+:\d+/);
    assert.deepEqual(
      records.map((r) => [r.level, r.message.split("\n")[0]]),
      [
        ["ERROR", "Task run failed with exception: RangeError: out of range"],
        [
          "ERROR",
          "Finished in state Failed('Task run encountered an exception RangeError: out of range')",
        ],
      ],
    );
  });
});

describe("retries are durable", () => {
  test("a suspended run resumes its retry at the journaled time, counting attempts on", async () => {
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ start: START });
    const { fn, seen } = flaky(1);
    const t = task({ name: "durable", retries: 2, retryDelay: "10m" }, fn);
    const durable = flow({ name: "durable-flow" }, async function* () {
      return yield* t();
    });
    const options = { journal, clock, console: false, mode: "suspend" } as const;
    const first = durable.start({}, { ...options, runId: "durable-1" });
    assert.deepEqual(await first.execution, { status: "suspended", wakeAt: START + 600_000 });
    assert.deepEqual(seen, [1]);
    let view = await inspectRun(journal, "durable-1");
    // Waiting out a retry delay, the run stays Running: Suspended means waiting for input.
    assert.equal(view.state?.name, "Running");
    assert.ok(!view.stateHistory.some((s) => s.name === "Suspended"));
    assert.deepEqual(names(view.taskRuns[0]?.stateHistory ?? []), ["Running", "AwaitingRetry"]);

    // Too early: it suspends again without running the task.
    await clock.advance(599_999);
    const early = durable.resume("durable-1", options);
    assert.deepEqual(await early.execution, { status: "suspended", wakeAt: START + 600_000 });
    assert.deepEqual(seen, [1]);

    await clock.advance(1);
    const second = durable.resume("durable-1", options);
    assert.equal(await second.result(), "ok");
    assert.deepEqual(seen, [1, 2]);
    view = await inspectRun(journal, "durable-1");
    const taskRun = view.taskRuns[0];
    assert.equal(taskRun?.attempts, 2);
    assert.deepEqual(names(taskRun?.stateHistory ?? []), [
      "Running",
      "AwaitingRetry",
      "Retrying",
      "Completed",
    ]);
    assert.equal(taskRun?.stateHistory[2]?.timestamp, START + 600_000);
  });
});

describe("retryDelayMs", () => {
  const never = () => assert.fail("random must not be drawn");

  test("no delay is 0", () => {
    assert.equal(retryDelayMs(undefined, 1, undefined, never), 0);
    assert.equal(retryDelayMs(undefined, 3, 0.5, Math.random), 0);
  });

  test("a fixed delay, in seconds or as a string", () => {
    assert.equal(retryDelayMs(2, 1, undefined, never), 2_000);
    assert.equal(retryDelayMs(2, 9, undefined, never), 2_000);
    assert.equal(retryDelayMs("1h", 1, undefined, never), 3_600_000);
  });

  test("a list: retry n uses item n, and the last item repeats", () => {
    const list = [1, 5, 10];
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => retryDelayMs(list, n, undefined, never)),
      [1_000, 5_000, 10_000, 10_000, 10_000],
    );
  });

  test("an empty list is no delay", () => {
    assert.equal(retryDelayMs([], 1, undefined, never), 0);
  });

  test("a function of the retry number", () => {
    assert.equal(
      retryDelayMs((n) => n * 3, 4, undefined, never),
      12_000,
    );
    assert.equal(
      retryDelayMs((n) => `${n}m`, 2, undefined, never),
      120_000,
    );
  });

  test("jitter adds delay · factor · random(), rounded to whole ms", () => {
    assert.equal(
      retryDelayMs(10, 1, 0.5, () => 0),
      10_000,
    );
    assert.equal(
      retryDelayMs(10, 1, 0.5, () => 0.5),
      12_500,
    );
    assert.equal(
      retryDelayMs(10, 1, 0.5, () => 0.99999),
      15_000,
    );
    assert.equal(
      retryDelayMs(1, 1, 0.3333, () => 0.5),
      1_167,
    );
    assert.equal(retryDelayMs(10, 1, 0, never), 10_000);
  });

  test("bad delays are errors naming retryDelay", () => {
    assert.throws(() => retryDelayMs(-1, 1, undefined, never), /Cannot use -1 as retryDelay/);
    assert.throws(() => retryDelayMs(["soon"], 1, undefined, never), /"soon" as retryDelay/);
    assert.throws(
      () => retryDelayMs(() => Number.NaN, 1, undefined, never),
      /Cannot use NaN as retryDelay/,
    );
  });
});

describe("exponentialBackoff", () => {
  test("base, 2·base, 4·base… seconds", () => {
    const backoff = exponentialBackoff(10);
    assert.deepEqual([1, 2, 3, 4, 5].map(backoff), [10, 20, 40, 80, 160]);
  });

  test("a custom factor, a string base and a cap", () => {
    assert.deepEqual([1, 2, 3].map(exponentialBackoff("500ms", { factor: 3 })), [0.5, 1.5, 4.5]);
    assert.deepEqual([1, 2, 3, 4].map(exponentialBackoff(10, { max: "30s" })), [10, 20, 30, 30]);
  });

  test("bad inputs fail when the backoff is made, naming what is wrong", () => {
    assert.throws(() => exponentialBackoff(-1), /Cannot use -1 as backoff base/);
    assert.throws(() => exponentialBackoff(1, { max: "lots" }), /"lots" as backoff max/);
  });
});

describe("retry options are checked when the task is defined", () => {
  test("retries must be a whole number ≥ 0", () => {
    for (const retries of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => task({ name: "bad", retries }, () => 1),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.ok(error.message.includes(`got ${retries}`), error.message);
          assert.match(error.message, /Cannot define task 'bad'/);
          return true;
        },
      );
    }
  });

  test("retryJitterFactor must be ≥ 0", () => {
    assert.throws(
      () => task({ name: "bad", retryJitterFactor: -0.5 }, () => 1),
      (error: unknown) =>
        error instanceof UsageError &&
        /retryJitterFactor must be ≥ 0, got -0.5/.test(error.message),
    );
  });

  test("a retryDelay that is not a duration is a UsageError naming the value", () => {
    assert.throws(
      () => task({ name: "bad", retryDelay: "soon" }, () => 1),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message.includes("Cannot define task 'bad'") &&
        error.message.includes('"soon" as retryDelay'),
    );
    assert.throws(
      () => task({ name: "bad", retryDelay: [1, -2] }, () => 1),
      (error: unknown) => error instanceof UsageError && /-2 as retryDelay/.test(error.message),
    );
  });
});

describe("RetryAfterError with a Date", () => {
  test("waits until that moment on the run's clock, not the wall clock", async () => {
    const clock = new FakeClock({ start: Date.UTC(2030, 0, 1), autoAdvance: true });
    let calls = 0;
    const limited = task({ name: "limited", retries: 1 }, () => {
      calls++;
      if (calls === 1) throw new RetryAfterError("rate limited", new Date(clock.now() + 42_000));
      return "ok";
    });
    const once = flow({ name: "retry-at" }, async function* () {
      return yield* limited();
    });
    assert.equal(await once.run({}, { clock, console: false }), "ok");
    assert.deepEqual(clock.waits, [42_000]);
  });
});
