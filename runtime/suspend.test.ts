import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  encode,
  FlowRunError,
  flow,
  InMemoryJournal,
  inspectRun,
  sleep,
  TimeoutError,
  task,
  waitForEvent,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

function setup() {
  const journal = new InMemoryJournal({ serialize: true });
  const clock = new FakeClock();
  return {
    journal,
    clock,
    start: clock.now(),
    opts: { journal, clock, console: false, mode: "suspend" } as const,
  };
}

function counted(name: string) {
  const counter = { runs: 0 };
  const t = task({ name }, (label: string) => {
    counter.runs++;
    return `${name}:${label}`;
  });
  return { t, counter };
}

describe("suspend mode", () => {
  test("a sleep suspends the run with its wake time; resuming after it completes", async () => {
    const { t: first, counter: firstRuns } = counted("before");
    const { t: after, counter: afterRuns } = counted("after");
    const f = flow({ name: "nap" }, async function* () {
      const a = yield* first("x");
      yield* sleep("10m");
      const b = yield* after("y");
      return [a, b];
    });
    const { opts, journal, clock, start } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 600_000 });
    assert.equal(firstRuns.runs, 1);
    assert.equal(afterRuns.runs, 0);
    assert.equal(clock.pending, 0, "no timer is held in the process");

    // A sleeping run is still Running (Suspended means waiting for input); its sleep step is
    // Scheduled for the wake time.
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "RUNNING");
    assert.equal(view.state?.name, "Running");
    assert.equal(view.steps[1]?.kind, "sleep");
    assert.equal(view.steps[1]?.state.name, "Scheduled");
    assert.equal(view.steps[1]?.state.scheduledTime, start + 600_000);
    await assert.rejects(handle.result(), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      // The error describes the execution, which is suspended (held by no process).
      assert.equal(error.state.name, "Suspended");
      return true;
    });

    await clock.advance(600_000);
    const resumed = f.resume(handle.runId, opts);
    const execution = await resumed.execution;
    assert.equal(execution.status, "finished");
    assert.deepEqual(await resumed.result(), ["before:x", "after:y"]);
    assert.equal(firstRuns.runs, 1, "the task before the sleep ran exactly once");
    assert.equal(afterRuns.runs, 1);

    const done = await inspectRun(journal, handle.runId);
    assert.equal(done.state?.type, "COMPLETED");
    assert.deepEqual(
      done.stateHistory.map((s) => s.name),
      ["Pending", "Running", "Completed"],
    );
    assert.deepEqual(
      done.taskRuns.map((t) => [t.runName, t.attempts]),
      [
        ["before-0", 1],
        ["after-0", 1],
      ],
    );
  });

  test("resuming before the wake time suspends again with the same wake time", async () => {
    const { t: earlyTask, counter } = counted("early");
    const f = flow({ name: "too-early" }, async function* () {
      yield* earlyTask("x");
      yield* sleep("1h");
      return "awake";
    });
    const { opts, clock, start } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 3_600_000 });
    await clock.advance(30 * 60_000);
    const early = f.resume(handle.runId, opts);
    assert.deepEqual(await early.execution, { status: "suspended", wakeAt: start + 3_600_000 });
    await clock.advance(30 * 60_000);
    assert.equal(await f.resume(handle.runId, opts).result(), "awake");
    assert.equal(counter.runs, 1);
  });

  test("the Beginning flow run line is written once across suspensions", async () => {
    const { InMemoryLogStore } = await import("./host.ts");
    const logs = new InMemoryLogStore();
    const f = flow({ name: "logs-once", runName: "once" }, async function* () {
      yield* sleep("1m");
    });
    const { opts, clock } = setup();
    const handle = f.start(undefined, { ...opts, logs });
    await handle.execution;
    await clock.advance(60_000);
    await f.resume(handle.runId, { ...opts, logs }).result();
    const beginnings = logs
      .messages(handle.runId)
      .filter((m) => m === "Beginning flow run 'once' for flow 'logs-once'");
    assert.equal(beginnings.length, 1);
  });

  test("waitForEvent suspends with no wake time; a journaled event resumes it", async () => {
    const { t: pre, counter } = counted("pre");
    const f = flow({ name: "approval" }, async function* () {
      yield* pre("x");
      const decision = yield* waitForEvent<{ approvedBy: string }>("approved");
      return decision.approvedBy;
    });
    const { opts, journal, clock } = setup();
    const handle = f.start(undefined, opts);
    const execution = await handle.execution;
    assert.deepEqual(execution, { status: "suspended" });
    assert.equal("wakeAt" in execution, false);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.name, "Suspended");
    assert.equal(view.state?.scheduledTime, undefined);

    // Resuming with no event suspends again.
    assert.deepEqual(await f.resume(handle.runId, opts).execution, { status: "suspended" });

    await journal.append(handle.runId, [
      {
        type: "event.received",
        at: clock.now(),
        eventId: "evt-1",
        name: "approved",
        payload: encode({ approvedBy: "ana" }),
      },
    ]);
    const resumed = f.resume(handle.runId, opts);
    assert.equal(await resumed.result(), "ana");
    assert.equal(counter.runs, 1);
  });

  test("an event sent through the resumed run's handle completes it", async () => {
    const f = flow({ name: "approval-handle" }, async function* () {
      return yield* waitForEvent<number>("go");
    });
    const { opts } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended" });
    const resumed = f.resume(handle.runId, opts);
    await resumed.sendEvent("go", 99);
    assert.equal(await resumed.result(), 99);
  });

  test("an event sent while a run is suspended is kept for the next execution", async () => {
    const f = flow({ name: "approval-offline" }, async function* () {
      return yield* waitForEvent<string>("go");
    });
    const { opts } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended" });
    // The handle's execution is over: this goes to the journal.
    await handle.sendEvent("go", "later");
    assert.equal(await f.resume(handle.runId, opts).result(), "later");
  });

  test("a wait with a timeout suspends until the deadline, then times out", async () => {
    const f = flow({ name: "approval-timeout" }, async function* () {
      try {
        return yield* waitForEvent<string>("go", { timeout: "2h" });
      } catch (error) {
        return error instanceof TimeoutError ? "timed out" : "wrong error";
      }
    });
    const { opts, clock, start } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 7_200_000 });
    await clock.advance(7_200_000);
    assert.equal(await f.resume(handle.runId, opts).result(), "timed out");
  });

  test("a task's retry delay suspends the run until the retry", async () => {
    let attempts = 0;
    const flaky = task({ name: "flaky", retries: 1, retryDelay: 45 }, () => {
      attempts++;
      if (attempts === 1) throw new Error("first attempt fails");
      return "second attempt";
    });
    const f = flow({ name: "retry-suspend" }, async function* () {
      return yield* flaky();
    });
    const { opts, clock, start, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 45_000 });
    assert.equal(attempts, 1);
    await clock.advance(45_000);
    assert.equal(await f.resume(handle.runId, opts).result(), "second attempt");
    assert.equal(attempts, 2);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.taskRuns[0]?.stateHistory.map((s) => s.name),
      ["Running", "AwaitingRetry", "Retrying", "Completed"],
    );
  });

  test("a scheduled run suspends until its start time", async () => {
    let bodyRuns = 0;
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "scheduled-suspend" }, async function* () {
      bodyRuns++;
      return "started";
    });
    const { opts, clock, start } = setup();
    const handle = f.start(undefined, { ...opts, scheduledAt: start + 120_000 });
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 120_000 });
    assert.equal(bodyRuns, 0);
    await clock.advance(120_000);
    assert.equal(await f.resume(handle.runId, opts).result(), "started");
    assert.equal(bodyRuns, 1);
  });

  test("a subflow that sleeps suspends its parent, and both resume", async () => {
    const { t: parentTask, counter: parentRuns } = counted("parent-task");
    const { t: childTask, counter: childRuns } = counted("child-task");
    const child = flow({ name: "sleepy-child" }, async function* (p: { label: string }) {
      const a = yield* childTask(`${p.label}-1`);
      yield* sleep("10m");
      const b = yield* childTask(`${p.label}-2`);
      return `${a}|${b}`;
    });
    const parent = flow({ name: "sleepy-parent" }, async function* () {
      const first = yield* parentTask("start");
      const middle = yield* child({ label: "c" });
      const last = yield* parentTask("end");
      return [first, middle, last];
    });
    const { opts, journal, clock, start } = setup();
    const handle = parent.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 600_000 });
    const parentView = await inspectRun(journal, handle.runId);
    assert.equal(parentView.state?.name, "Running", "waiting for its child, the parent runs");
    const sub = parentView.steps[1];
    assert.equal(sub?.kind, "subflow");
    const childRunId = sub?.childRunId ?? "";
    const childView = await inspectRun(journal, childRunId);
    assert.equal(childView.state?.name, "Running");
    assert.equal(childView.parentRunId, handle.runId);
    assert.equal(parentRuns.runs, 1);
    assert.equal(childRuns.runs, 1);

    await clock.advance(600_000);
    const resumed = parent.resume(handle.runId, opts);
    assert.deepEqual(await resumed.result(), [
      "parent-task:start",
      "child-task:c-1|child-task:c-2",
      "parent-task:end",
    ]);
    assert.equal(parentRuns.runs, 2);
    assert.equal(childRuns.runs, 2);
    const finalChild = await inspectRun(journal, childRunId);
    assert.equal(finalChild.state?.type, "COMPLETED");
    assert.deepEqual(
      finalChild.taskRuns.map((t) => t.runName),
      ["child-task-0", "child-task-1"],
    );
    const finalParent = await inspectRun(journal, handle.runId);
    assert.equal(finalParent.steps[1]?.childRunId, childRunId, "the same child run resumed");
    assert.equal(journal.runIds().length, 2);
  });

  test("a run with nothing to wait for finishes in suspend mode as in wait mode", async () => {
    const { t } = counted("plain");
    const f = flow({ name: "no-wait" }, async function* () {
      return yield* t("x");
    });
    const handle = f.start(undefined, setup().opts);
    const execution = await handle.execution;
    assert.equal(execution.status, "finished");
    assert.equal(execution.status === "finished" ? execution.state.type : "", "COMPLETED");
    assert.equal(await handle.result(), "plain:x");
  });
});
