import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  FlowRunError,
  flow,
  type HookContext,
  InMemoryJournal,
  inspectRun,
  sleep,
  type TaskContext,
  task,
} from "./host.ts";
import { eventually } from "./testing/eventually.ts";
import { FakeClock } from "./testing/fake_clock.ts";

function expectCancelled(error: unknown): true {
  assert.ok(error instanceof FlowRunError, `expected FlowRunError, got ${String(error)}`);
  assert.equal(error.state.type, "CANCELLED");
  assert.equal(error.state.name, "Cancelled");
  assert.ok(error.cause instanceof CancelledError);
  return true;
}

/** A task that runs until its signal aborts, recording what it saw. */
function blockingTask() {
  const seen = { started: 0, abortReason: undefined as unknown, finished: 0 };
  const block = task({ name: "block" }, function (this: TaskContext) {
    seen.started++;
    return new Promise<string>((resolve) => {
      this.signal.addEventListener("abort", () => {
        seen.abortReason = this.signal.reason;
        resolve("ignored after abort");
      });
    });
  });
  return { block, seen };
}

describe("cancellation", () => {
  test("cancel() while a task runs aborts its signal and ends the run Cancelled", async () => {
    const { block, seen } = blockingTask();
    let after = 0;
    const hookStates: HookContext[] = [];
    const otherHooks: string[] = [];
    const f = flow(
      {
        name: "cancel-task",
        onCancellation: (ctx) => {
          hookStates.push(ctx);
        },
        onCompletion: () => {
          otherHooks.push("completion");
        },
        onFailure: () => {
          otherHooks.push("failure");
        },
      },
      async function* () {
        yield* block();
        after++;
        return "unreachable";
      },
    );
    const journal = new InMemoryJournal({ serialize: true });
    const handle = f.start(undefined, { journal, clock: new FakeClock(), console: false });
    await eventually(() => seen.started === 1, "the task started");
    await handle.cancel("operator said stop");
    await assert.rejects(handle.result(), (error: unknown) => {
      expectCancelled(error);
      assert.match((error as FlowRunError).state.message ?? "", /operator said stop/);
      return true;
    });
    assert.ok(seen.abortReason instanceof CancelledError);
    assert.equal((seen.abortReason as Error).message, "operator said stop");
    assert.equal(after, 0);

    const view = await inspectRun(journal, handle.runId);
    const types = view.stateHistory.map((s) => s.type);
    assert.deepEqual(types, ["PENDING", "RUNNING", "CANCELLING", "CANCELLED"]);
    assert.equal(view.state?.name, "Cancelled");
    assert.ok(view.error instanceof CancelledError);
    assert.equal(view.taskRuns.length, 1);
    assert.equal(view.taskRuns[0]?.state.type, "CANCELLED");

    assert.equal(hookStates.length, 1);
    assert.equal(hookStates[0]?.state.type, "CANCELLED");
    assert.equal(hookStates[0]?.flowName, "cancel-task");
    assert.equal(hookStates[0]?.run.id, handle.runId);
    assert.ok(hookStates[0]?.error instanceof CancelledError);
    assert.deepEqual(otherHooks, []);
  });

  test("no task starts once the cancellation is journaled", async () => {
    // Quick steps follow each other while cancel() is called after 0, 1, 2… microtasks: with
    // a synchronous journal, no step may start between the journaled request and the abort.
    const quick = task({ name: "quick" }, (n: number) => n + 1);
    const f = flow({ name: "cancel-between-steps" }, async function* () {
      let x = 0;
      for (let i = 0; i < 100; i++) x = yield* quick(x);
      return x;
    });
    for (let turns = 0; turns < 120; turns++) {
      const journal = new InMemoryJournal();
      const handle = f.start(undefined, { journal, console: false });
      for (let i = 0; i < turns; i++) await Promise.resolve();
      await handle.cancel("stop");
      await assert.rejects(handle.result(), expectCancelled);
      const entries = journal.read(handle.runId);
      const requested = entries.findIndex((e) => e.type === "run.cancel");
      const startedAfter = entries.slice(requested).filter((e) => e.type === "step.started");
      assert.deepEqual(startedAfter, [], `cancelled after ${turns} microtasks`);
    }
  });

  test("cancelling a run while it sleeps ends it Cancelled and runs nothing after", async () => {
    const afterSleep = task({ name: "after-sleep" }, () => "ran");
    let cancellationHooks = 0;
    const f = flow(
      {
        name: "cancel-sleep",
        onCancellation: () => {
          cancellationHooks++;
        },
      },
      async function* () {
        yield* sleep("1h");
        return yield* afterSleep();
      },
    );
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock();
    const handle = f.start(undefined, { journal, clock, console: false });
    await eventually(() => clock.pending === 1, "the sleep's timer is set");
    await handle.cancel();
    await assert.rejects(handle.result(), expectCancelled);
    assert.equal(clock.pending, 0, "the sleep's timer was cleared");
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.stateHistory.map((s) => s.type),
      ["PENDING", "RUNNING", "CANCELLING", "CANCELLED"],
    );
    assert.equal(view.steps.length, 1);
    assert.equal(view.steps[0]?.kind, "sleep");
    assert.equal(view.steps[0]?.state.type, "CANCELLED");
    assert.equal(view.taskRuns.length, 0);
    assert.equal(cancellationHooks, 1);
    // Moving time past the wake time changes nothing.
    await clock.advance(2 * 3_600_000);
    assert.equal((await inspectRun(journal, handle.runId)).state?.type, "CANCELLED");
  });

  test("the flow body can catch the cancellation, but the run still ends Cancelled", async () => {
    const { block, seen } = blockingTask();
    const caught: string[] = [];
    const f = flow({ name: "cancel-caught" }, async function* () {
      try {
        yield* block();
      } catch (error) {
        caught.push((error as Error).name);
      }
      return "swallowed";
    });
    const journal = new InMemoryJournal({ serialize: true });
    const handle = f.start(undefined, { journal, clock: new FakeClock(), console: false });
    await eventually(() => seen.started === 1, "the task started");
    await handle.cancel();
    await assert.rejects(handle.result(), expectCancelled);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "CANCELLED");
  });

  test("cancelling every task of a parallel group aborts each one", async () => {
    const aborted: number[] = [];
    let started = 0;
    const worker = task({ name: "worker" }, function (this: TaskContext, n: number) {
      started++;
      return new Promise<number>((_resolve, reject) => {
        this.signal.addEventListener("abort", () => {
          aborted.push(n);
          reject(this.signal.reason);
        });
      });
    });
    const f = flow({ name: "cancel-group" }, async function* () {
      const h1 = yield* worker.submit(1);
      const h2 = yield* worker.submit(2);
      return (yield* h1) + (yield* h2);
    });
    const journal = new InMemoryJournal({ serialize: true });
    const handle = f.start(undefined, { journal, clock: new FakeClock(), console: false });
    await eventually(() => started === 2, "both tasks started");
    await handle.cancel();
    await assert.rejects(handle.result(), expectCancelled);
    assert.deepEqual(aborted.sort(), [1, 2]);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.taskRuns.map((t) => t.state.type),
      ["CANCELLED", "CANCELLED"],
    );
  });

  test("a run cancelled before it starts never runs its body", async () => {
    let bodyRuns = 0;
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "cancel-scheduled" }, async function* () {
      bodyRuns++;
      return 1;
    });
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock();
    const handle = f.start(undefined, {
      journal,
      clock,
      console: false,
      scheduledAt: clock.now() + 3_600_000,
    });
    await eventually(() => clock.pending === 1, "the run waits for its start time");
    assert.equal((await inspectRun(journal, handle.runId)).state?.name, "Scheduled");
    await handle.cancel();
    await assert.rejects(handle.result(), expectCancelled);
    assert.equal(bodyRuns, 0);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.stateHistory.map((s) => s.name),
      ["Scheduled", "Cancelling", "Cancelled"],
    );
  });

  test("cancelling a run that waits for a flow-level retry ends it Cancelled", async () => {
    let bodyRuns = 0;
    const f = flow({ name: "cancel-retry-wait", retries: 1, retryDelay: 600 }, async function* () {
      bodyRuns++;
      yield* sleep(0);
      throw new Error("first attempt fails");
    });
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock();
    const handle = f.start(undefined, { journal, clock, console: false });
    await eventually(() => clock.pending === 1, "the run waits for its retry");
    await handle.cancel("no more tries");
    await assert.rejects(handle.result(), expectCancelled);
    assert.equal(bodyRuns, 1);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.stateHistory.map((s) => s.name),
      ["Pending", "Running", "AwaitingRetry", "Cancelling", "Cancelled"],
    );
  });

  test("a sleeping run that is cancelled ends Cancelled when it is resumed", async () => {
    let hooks = 0;
    const after = task({ name: "after" }, () => 1);
    const f = flow(
      {
        name: "cancel-suspended",
        onCancellation: () => {
          hooks++;
        },
      },
      async function* () {
        yield* sleep("1h");
        return yield* after();
      },
    );
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock();
    const opts = { journal, clock, console: false, mode: "suspend" } as const;
    const handle = f.start(undefined, opts);
    assert.equal((await handle.execution).status, "suspended");
    await handle.cancel("not needed");
    assert.equal((await inspectRun(journal, handle.runId)).state?.name, "Cancelling");
    await clock.advance(3_600_000);
    const resumed = f.resume(handle.runId, opts);
    await assert.rejects(resumed.result(), expectCancelled);
    assert.equal(hooks, 1);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.stateHistory.map((s) => s.name),
      ["Pending", "Running", "Cancelling", "Cancelled"],
    );
    assert.equal(view.taskRuns.length, 0);
    assert.equal(view.steps[0]?.state.type, "CANCELLED");
  });

  test("aborting the signal given in RunOptions cancels the run", async () => {
    const { block, seen } = blockingTask();
    const f = flow({ name: "cancel-signal" }, async function* () {
      return yield* block();
    });
    const journal = new InMemoryJournal({ serialize: true });
    const controller = new AbortController();
    const handle = f.start(undefined, {
      journal,
      clock: new FakeClock(),
      console: false,
      signal: controller.signal,
    });
    await eventually(() => seen.started === 1, "the task started");
    controller.abort();
    await assert.rejects(handle.result(), expectCancelled);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "CANCELLED");
    assert.equal(view.taskRuns[0]?.state.type, "CANCELLED");
  });

  test("cancelling a finished run does not change its final state", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "cancel-finished" }, async function* () {
      return 5;
    });
    const journal = new InMemoryJournal({ serialize: true });
    const handle = f.start(undefined, { journal, clock: new FakeClock(), console: false });
    assert.equal(await handle.result(), 5);
    await handle.cancel();
    const resumed = f.resume(handle.runId, { journal, console: false });
    assert.equal(await resumed.result(), 5);
  });
});
