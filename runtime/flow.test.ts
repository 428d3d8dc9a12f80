import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  FlowRunError,
  flow,
  InMemoryJournal,
  InMemoryLogStore,
  inspectRun,
  race,
  registerErrorClass,
  sleep,
  type TaskContext,
  task,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

class ChildError extends Error {
  override name = "ChildError";
}
registerErrorClass(ChildError);

function setup() {
  const journal = new InMemoryJournal({ serialize: true });
  const clock = new FakeClock({ autoAdvance: true });
  const logs = new InMemoryLogStore();
  return { journal, clock, logs, opts: { journal, clock, logs, console: false } as const };
}

describe("subflows", () => {
  const add = task({ name: "add" }, (a: number, b: number) => a + b);
  const child = flow({ name: "child-flow" }, async function* (params: { n: number }, ctx) {
    const x = yield* add(params.n, 1);
    const y = yield* add(x, 1);
    return { total: y, parent: ctx.parentRunId };
  });

  test("runs as a child run with its own state, task runs and parent link", async () => {
    const parent = flow({ name: "parent-flow" }, async function* (params: { n: number }) {
      const before = yield* add(params.n, 0);
      const result = yield* child({ n: before });
      return result.total;
    });
    const { opts, journal } = setup();
    const handle = parent.start({ n: 5 }, opts);
    assert.equal(await handle.result(), 7);

    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    assert.deepEqual(
      view.steps.map((s) => [s.id, s.kind, s.name]),
      [
        ["0", "task", "add"],
        ["1", "subflow", "child-flow"],
      ],
    );
    const sub = view.steps[1];
    assert.equal(sub?.runName, "child-flow");
    assert.equal(sub?.state.type, "COMPLETED");
    assert.deepEqual(sub?.result, { total: 7, parent: handle.runId });
    assert.equal(typeof sub?.childRunId, "string");
    assert.notEqual(sub?.childRunId, handle.runId);
    // The parent's task runs are its own.
    assert.deepEqual(
      view.taskRuns.map((t) => t.runName),
      ["add-0"],
    );

    const childView = await inspectRun(journal, sub?.childRunId ?? "");
    assert.equal(childView.flowName, "child-flow");
    assert.equal(childView.parentRunId, handle.runId);
    assert.deepEqual(childView.parameters, { n: 5 });
    assert.equal(childView.state?.type, "COMPLETED");
    assert.deepEqual(
      childView.stateHistory.map((s) => s.type),
      ["PENDING", "RUNNING", "COMPLETED"],
    );
    assert.deepEqual(
      childView.taskRuns.map((t) => [t.runName, t.result]),
      [
        ["add-0", 6],
        ["add-1", 7],
      ],
    );
    assert.deepEqual(childView.result, { total: 7, parent: handle.runId });
    // Exactly two runs in the journal: parent and child.
    assert.deepEqual(journal.runIds().sort(), [handle.runId, sub?.childRunId].sort());
  });

  test("a subflow can be given a run name and tags", async () => {
    const parent = flow({ name: "named-parent" }, async function* () {
      return yield* child({ n: 1 }, { name: "nightly-child", tags: ["nightly"] });
    });
    const { opts, journal } = setup();
    const handle = parent.start(undefined, opts);
    await handle.result();
    const view = await inspectRun(journal, handle.runId);
    const sub = view.steps[0];
    assert.equal(sub?.name, "child-flow");
    assert.equal(sub?.runName, "nightly-child");
    assert.deepEqual(sub?.tags, ["nightly"]);
    const childView = await inspectRun(journal, sub?.childRunId ?? "");
    assert.equal(childView.name, "nightly-child");
    assert.deepEqual(childView.tags, ["nightly"]);
  });

  test("a failing child fails the parent step with the child's error class", async () => {
    const failing = flow({ name: "failing-child" }, async function* () {
      yield* add(1, 1);
      throw new ChildError("child broke");
    });
    const parent = flow({ name: "catching-parent" }, async function* () {
      try {
        yield* failing(undefined);
        return "no error";
      } catch (error) {
        assert.ok(error instanceof ChildError, `expected ChildError, got ${String(error)}`);
        return `caught ${(error as Error).message}`;
      }
    });
    const { opts, journal } = setup();
    const handle = parent.start(undefined, opts);
    assert.equal(await handle.result(), "caught child broke");
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    const sub = view.steps[0];
    assert.equal(sub?.kind, "subflow");
    assert.equal(sub?.state.type, "FAILED");
    assert.ok(sub?.error instanceof ChildError);
    const childView = await inspectRun(journal, sub?.childRunId ?? "");
    assert.equal(childView.state?.type, "FAILED");
    assert.ok(childView.error instanceof ChildError);
    assert.equal(childView.taskRuns.length, 1);
  });

  test("an uncaught child failure fails the parent with the child's error as cause", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const failing = flow({ name: "failing-child-2" }, async function* () {
      throw new RangeError("bad child");
    });
    const parent = flow({ name: "failing-parent" }, async function* () {
      return yield* failing(undefined);
    });
    await assert.rejects(parent.run(undefined, setup().opts), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      assert.ok(error.cause instanceof RangeError);
      assert.equal((error.cause as Error).message, "bad child");
      return true;
    });
  });

  test("a subflow that loses a race is cancelled", async () => {
    const slow = flow({ name: "slow-child" }, async function* () {
      yield* sleep("1h");
      return "slow";
    });
    const parent = flow({ name: "race-parent" }, async function* () {
      return yield* race([slow(undefined), sleep("1m")]);
    });
    const { opts, journal } = setup();
    const handle = parent.start(undefined, opts);
    assert.equal(await handle.result(), undefined);
    const view = await inspectRun(journal, handle.runId);
    const sub = view.steps.find((s) => s.kind === "subflow");
    assert.equal(sub?.state.type, "CANCELLED");
    const childView = await inspectRun(journal, sub?.childRunId ?? "");
    assert.equal(childView.state?.type, "CANCELLED");
  });

  test("cancelling the parent cancels a running child", async () => {
    let started = 0;
    const block = task({ name: "block" }, function (this: TaskContext) {
      started++;
      return new Promise<void>((_resolve, reject) => {
        this.signal.addEventListener("abort", () => reject(this.signal.reason));
      });
    });
    const blocking = flow({ name: "blocking-child" }, async function* () {
      yield* block();
    });
    const parent = flow({ name: "cancelled-parent" }, async function* () {
      yield* blocking(undefined);
    });
    const journal = new InMemoryJournal({ serialize: true });
    const handle = parent.start(undefined, { journal, clock: new FakeClock(), console: false });
    for (let i = 0; i < 200 && started === 0; i++) await new Promise((r) => setTimeout(r, 0));
    assert.equal(started, 1);
    await handle.cancel();
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "CANCELLED");
      return true;
    });
    const view = await inspectRun(journal, handle.runId);
    const childView = await inspectRun(journal, view.steps[0]?.childRunId ?? "");
    assert.equal(childView.state?.type, "CANCELLED");
    assert.equal(childView.taskRuns[0]?.state.type, "CANCELLED");
    assert.ok(childView.error instanceof CancelledError);
  });
});

describe("flow retries", () => {
  test("a retried flow keeps completed tasks and ends Completed", async () => {
    let firstRuns = 0;
    let secondRuns = 0;
    const first = task({ name: "first" }, () => {
      firstRuns++;
      return "one";
    });
    const second = task({ name: "second" }, (input: string) => {
      secondRuns++;
      if (secondRuns === 1) throw new Error("flaky");
      return `${input}+two`;
    });
    const attempts: number[] = [];
    const f = flow({ name: "retried", retries: 2, retryDelay: 30 }, async function* (_p, ctx) {
      attempts.push(ctx.attempt);
      const a = yield* first();
      return yield* second(a);
    });
    const { opts, journal, clock, logs } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "one+two");
    assert.equal(firstRuns, 1);
    assert.equal(secondRuns, 2);
    assert.deepEqual(attempts, [1, 2]);
    assert.deepEqual(clock.waits, [30_000]);

    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    assert.equal(view.retries, 1);
    const names = view.stateHistory.map((s) => s.name);
    assert.deepEqual(names, ["Pending", "Running", "AwaitingRetry", "Retrying", "Completed"]);
    const awaiting = view.stateHistory[2];
    assert.equal(awaiting?.type, "SCHEDULED");
    assert.equal(awaiting?.scheduledTime, (awaiting?.timestamp ?? 0) + 30_000);
    assert.deepEqual(
      view.taskRuns.map((t) => [t.runName, t.state.type]),
      [
        ["first-0", "COMPLETED"],
        ["second-0", "COMPLETED"],
      ],
    );
    assert.ok(
      logs
        .messages(handle.runId)
        .some((m) => m.startsWith("Flow run failed with exception: Error: flaky - Retry 1/2")),
    );
  });

  test("a flow that keeps failing uses every retry and ends Failed", async () => {
    let runs = 0;
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "always-fails", retries: 2, retryDelay: [10, 20] }, async function* () {
      runs++;
      throw new Error(`failure ${runs}`);
    });
    const { opts, journal, clock } = setup();
    const handle = f.start(undefined, opts);
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      assert.equal((error.cause as Error).message, "failure 3");
      return true;
    });
    assert.equal(runs, 3);
    assert.deepEqual(clock.waits, [10_000, 20_000]);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.retries, 2);
    assert.deepEqual(
      view.stateHistory.map((s) => s.name),
      ["Pending", "Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying", "Failed"],
    );
  });
});

describe("flow timeout", () => {
  test("a run longer than its timeout ends TimedOut (type FAILED)", async () => {
    const after = task({ name: "after" }, () => "ran");
    let afterRuns = 0;
    const failureHooks: string[] = [];
    const f = flow(
      {
        name: "too-slow",
        timeout: "1m",
        onFailure: ({ state }) => void failureHooks.push(state.name),
      },
      async function* () {
        yield* sleep("1h");
        afterRuns++;
        return yield* after();
      },
    );
    const { opts, journal, clock } = setup();
    const start = clock.now();
    const handle = f.start(undefined, opts);
    const state = await handle.finalState();
    assert.equal(state.name, "TimedOut");
    assert.equal(state.type, "FAILED");
    assert.equal(state.timestamp, start + 60_000);
    assert.equal(state.error?.name, "TimeoutError");
    assert.match(state.message ?? "", /timeout of 1m/);
    assert.equal(afterRuns, 0);
    assert.deepEqual(failureHooks, ["TimedOut"]);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.name, "TimedOut");
    assert.equal(view.taskRuns.length, 0);
  });

  test("a timed-out attempt is retried with a fresh timeout", async () => {
    let runs = 0;
    const f = flow(
      { name: "slow-retried", timeout: "1m", retries: 1, retryDelay: 10 },
      async function* () {
        runs++;
        yield* sleep("1h");
      },
    );
    const { opts, journal, clock } = setup();
    const handle = f.start(undefined, opts);
    const state = await handle.finalState();
    assert.equal(state.name, "TimedOut");
    assert.equal(runs, 2);
    // Each attempt: the timeout and the sleep are armed; the timeout fires first.
    assert.deepEqual(clock.waits, [60_000, 3_600_000, 10_000, 60_000, 3_600_000]);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.stateHistory.map((s) => s.name),
      ["Pending", "Running", "AwaitingRetry", "Retrying", "TimedOut"],
    );
  });

  test("a run within its timeout completes", async () => {
    const f = flow({ name: "fast-enough", timeout: "1h" }, async function* () {
      yield* sleep("59m");
      return "ok";
    });
    assert.equal(await f.run(undefined, setup().opts), "ok");
  });
});
