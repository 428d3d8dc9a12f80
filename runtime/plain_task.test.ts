// The fast path for plain tasks (engine/run_plain_task.ts) must journal and log exactly what
// the general path (engine/run_task.ts) does. A task with a timeout that never fires takes the
// general path and behaves the same, so each case runs both ways and compares.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  flow,
  InMemoryJournal,
  InMemoryLogStore,
  type JournalEntry,
  type LogRecord,
  type TaskContext,
  type TaskFn,
  type TaskOptions,
  task,
} from "./host.ts";
import { eventually } from "./testing/eventually.ts";
import { FakeClock } from "./testing/fake_clock.ts";

type Fn = TaskFn<[number], unknown>;

interface Ran {
  readonly outcome: string;
  readonly entries: readonly JournalEntry[];
  readonly logs: readonly LogRecord[];
  readonly contexts: readonly unknown[];
}

/**
 * Runs `x = yield* t(1)`, then `yield* t(x)` on a clock that never moves, so a general-path
 * timeout never fires; with `cancelAfter`, cancels the run once that many attempts started.
 */
async function runWith(
  fn: Fn,
  options: Omit<TaskOptions<[number]>, "name">,
  cancelAfter?: number,
): Promise<Ran> {
  const contexts: unknown[] = [];
  let started = 0;
  const t = task({ name: "t", tags: ["a"], ...options }, function (this: TaskContext, n: number) {
    started++;
    const { info } = this.logger;
    info(`seen ${n}`);
    contexts.push({
      taskName: this.taskName,
      taskRunName: this.taskRunName,
      taskRunId: this.taskRunId,
      stepId: this.stepId,
      flowRunId: this.flowRunId,
      flowName: this.flowName,
      attempt: this.attempt,
      tags: this.tags,
      signal: this.signal instanceof AbortSignal && !this.signal.aborted,
    });
    return fn.call(this, n);
  });
  const f = flow({ name: "plain" }, async function* () {
    const x = yield* t(1);
    return yield* t(x as number);
  });
  const journal = new InMemoryJournal({ serialize: true });
  const logs = new InMemoryLogStore();
  const clock = new FakeClock({ start: 0 });
  const handle = f.start({}, { journal, logs, clock, console: false, runId: "r" });
  if (cancelAfter !== undefined) {
    await eventually(() => started >= cancelAfter, `${cancelAfter} attempts started`);
    await handle.cancel("stop");
  }
  let outcome: string;
  try {
    outcome = `ok ${JSON.stringify(await handle.result())}`;
  } catch (error) {
    outcome = `threw ${(error as Error).message}`;
  }
  // Stacks name the engine functions each path went through; everything else must match.
  const entries = JSON.parse(JSON.stringify(journal.read("r")), (key, value) =>
    key === "stack" ? undefined : value,
  ) as JournalEntry[];
  // Failure lines end with the stack (frames start with "    at"): keep only the first line.
  const records = logs.records.map((r) => ({
    ...r,
    message: r.message.split("\n    at ")[0] ?? "",
  }));
  return { outcome, entries, logs: records, contexts };
}

/** Runs a fresh `makeFn()` both ways; asserts the same outcome, journal, logs and contexts. */
async function assertSamePaths(makeFn: () => Fn, cancelAfter?: number): Promise<Ran> {
  const plain = await runWith(makeFn(), {}, cancelAfter);
  const general = await runWith(makeFn(), { timeout: "1h" }, cancelAfter);
  assert.deepEqual(plain, general);
  return plain;
}

describe("plain tasks (the fast path) journal what the general path journals", () => {
  test("an async task", async () => {
    const ran = await assertSamePaths(() => async (n) => ({ n }));
    assert.equal(ran.outcome, 'ok {"n":{"n":1}}');
    // The second step was given the first one's result: the run graph records it.
    const starts = ran.entries.filter((e) => e.type === "step.started");
    assert.deepEqual(
      starts.map((e) => e.type === "step.started" && e.inputs),
      [undefined, ["0"]],
    );
  });

  test("a synchronous task", async () => {
    const ran = await assertSamePaths(() => (n) => n * 3);
    assert.equal(ran.outcome, "ok 9");
    assert.deepEqual(ran.contexts[1], {
      taskName: "t",
      taskRunName: "t-1",
      taskRunId: "r/1",
      stepId: "1",
      flowRunId: "r",
      flowName: "plain",
      attempt: 1,
      tags: ["a"],
      signal: true,
    });
  });

  test("a task that rejects, and one that throws synchronously", async () => {
    const rejected = await assertSamePaths(() => async () => {
      throw new TypeError("nope");
    });
    assert.match(rejected.outcome, /Failed/);
    const thrown = await assertSamePaths(() => () => {
      throw "a string";
    });
    assert.match(thrown.outcome, /a string/);
  });

  test("a result that cannot be stored", async () => {
    const ran = await assertSamePaths(() => async () => () => 1);
    assert.match(ran.outcome, /cannot be stored|Failed/);
  });

  test("a foreign thenable", async () => {
    const ran = await assertSamePaths(() => (n) => ({
      // biome-ignore lint/suspicious/noThenProperty: the case under test is a thenable.
      then: (resolve: (value: number) => void) => resolve(n + 10),
    }));
    assert.equal(ran.outcome, "ok 21");
  });

  test("a task still running when the run is cancelled", async () => {
    const ran = await assertSamePaths(() => () => new Promise(() => {}), 1);
    assert.match(ran.outcome, /Cancelled\('stop'\)/);
    assert.ok(
      ran.entries.some(
        (e) => e.type === "step.failed" && e.stepId === "0" && e.state.name === "Cancelled",
      ),
    );
  });

  test("the task's signal aborts with the step, and only while the attempt runs", async () => {
    const seen: { during?: AbortSignal; after?: AbortSignal }[] = [];
    const ran = await assertSamePaths(() => {
      const signals: { during?: AbortSignal; after?: AbortSignal } = {};
      seen.push(signals);
      return function (this: TaskContext) {
        if (signals.after === undefined) {
          signals.after = this.signal;
          return 1;
        }
        signals.during = this.signal;
        return new Promise(() => {});
      };
    }, 2);
    assert.match(ran.outcome, /Cancelled/);
    assert.equal(seen.length, 2);
    for (const { during, after } of seen) {
      assert.equal(during?.aborted, true);
      assert.equal(after?.aborted, false);
    }
  });
});
