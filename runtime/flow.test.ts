import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CancelledError,
  type Command,
  FlowRunError,
  flow,
  type HookContext,
  InMemoryJournal,
  InMemoryLogStore,
  inspectRun,
  type JournalEntry,
  NonDeterminismError,
  race,
  registerErrorClass,
  sleep,
  type TaskContext,
  task,
  UsageError,
} from "./mod.ts";
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

/** Copies the entries of `runId` up to and including the first that matches `stop`. */
async function crashedCopy(
  journal: InMemoryJournal,
  runId: string,
  stop: (entry: JournalEntry) => boolean,
): Promise<InMemoryJournal> {
  const entries = await journal.read(runId);
  const index = entries.findIndex(stop);
  assert.ok(index >= 0, "the journal holds the entry to stop at");
  const copy = new InMemoryJournal({ serialize: true });
  await copy.append(runId, entries.slice(0, index + 1));
  return copy;
}

const completedStep = (stepId: string) => (entry: JournalEntry) =>
  entry.type === "step.completed" && entry.stepId === stepId;

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

describe("hooks", () => {
  function recorder() {
    const calls: { hook: string; ctx: HookContext }[] = [];
    const make = (hook: string) => (ctx: HookContext) => {
      calls.push({ hook, ctx });
    };
    return {
      calls,
      hooks: {
        onCompletion: make("completion"),
        onFailure: make("failure"),
        onCancellation: make("cancellation"),
        onCrashed: make("crashed"),
      },
    };
  }

  test("onCompletion is called once with the final state", async () => {
    const { calls, hooks } = recorder();
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "hooked-ok", ...hooks }, async function* () {
      return 1;
    });
    const handle = f.start(undefined, setup().opts);
    await handle.result();
    assert.deepEqual(
      calls.map((c) => c.hook),
      ["completion"],
    );
    const ctx = calls[0]?.ctx;
    assert.equal(ctx?.state.type, "COMPLETED");
    assert.equal(ctx?.flowName, "hooked-ok");
    assert.equal(ctx?.run.id, handle.runId);
    assert.equal(ctx?.error, undefined);
  });

  test("onFailure is called once with the final state and the error", async () => {
    const { calls, hooks } = recorder();
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "hooked-fail", retries: 1, ...hooks }, async function* () {
      throw new TypeError("broken");
    });
    await assert.rejects(f.run(undefined, setup().opts), FlowRunError);
    assert.deepEqual(
      calls.map((c) => c.hook),
      ["failure"],
    );
    assert.equal(calls[0]?.ctx.state.type, "FAILED");
    assert.ok(calls[0]?.ctx.error instanceof TypeError);
  });

  test("several hooks run in order", async () => {
    const order: number[] = [];
    const f = flow(
      { name: "many-hooks", onCompletion: [() => void order.push(1), () => void order.push(2)] },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* () {
        return 0;
      },
    );
    await f.run(undefined, setup().opts);
    assert.deepEqual(order, [1, 2]);
  });

  test("a throwing hook does not change the state and is logged", async () => {
    let secondHook = 0;
    const f = flow(
      {
        name: "bad-hook",
        onCompletion: [
          () => {
            throw new Error("hook exploded");
          },
          async () => {
            secondHook++;
          },
        ],
      },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* () {
        return "fine";
      },
    );
    const { opts, journal, logs } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "fine");
    assert.equal(secondHook, 1);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    assert.ok(logs.messages(handle.runId).some((m) => /hook.*threw.*hook exploded/.test(m)));
  });

  test("a throwing failure hook leaves the run Failed", async () => {
    const f = flow(
      {
        name: "bad-failure-hook",
        onFailure: () => {
          throw new Error("hook exploded");
        },
      },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* () {
        throw new ChildError("original");
      },
    );
    await assert.rejects(f.run(undefined, setup().opts), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      assert.ok(error.cause instanceof ChildError);
      return true;
    });
  });
});

describe("run names and logs", () => {
  test("a runName template is filled from the parameters", async () => {
    const f = flow(
      { name: "report", runName: "{name}-on-{date}" },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* (_p: { name: string; date: string }, ctx) {
        return ctx.runName;
      },
    );
    const { opts, journal } = setup();
    const handle = f.start({ name: "sales", date: "2026-01-01" }, opts);
    assert.equal(await handle.result(), "sales-on-2026-01-01");
    assert.equal((await inspectRun(journal, handle.runId)).name, "sales-on-2026-01-01");
  });

  test("a Date parameter at midnight UTC fills a template as YYYY-MM-DD", async () => {
    const f = flow(
      { name: "dated", runName: "{name}-on-{date}" },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* (_p: { name: string; date: Date }, ctx) {
        return ctx.runName;
      },
    );
    const name = await f.run({ name: "daily", date: new Date(Date.UTC(2026, 0, 2)) }, setup().opts);
    assert.equal(name, "daily-on-2026-01-02");
  });

  test("a runName function and an explicit name", async () => {
    const f = flow(
      { name: "fn-named", runName: (p: { id: number }) => `job-${p.id}` },
      // biome-ignore lint/correctness/useYield: a flow body need not run any step
      async function* (_p: { id: number }, ctx) {
        return ctx.runName;
      },
    );
    assert.equal(await f.run({ id: 9 }, setup().opts), "job-9");
    assert.equal(await f.run({ id: 9 }, { ...setup().opts, name: "override" }), "override");
  });

  test("a template with a missing field falls back to a generated name with a warning", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "bad-template", runName: "{missing}" }, async function* (_p: object) {
      return 1;
    });
    const { opts, journal, logs } = setup();
    const handle = f.start({}, opts);
    await handle.result();
    assert.match((await inspectRun(journal, handle.runId)).name, /^[a-z]+-[a-z]+$/);
    assert.ok(logs.messages(handle.runId).some((m) => m.includes("{missing}")));
  });

  test("the default name is adjective-animal and the same for the same run id", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "unnamed" }, async function* (_p: undefined, ctx) {
      return ctx.runName;
    });
    const a = await f.run(undefined, { ...setup().opts, runId: "run-fixed-1" });
    const b = await f.run(undefined, { ...setup().opts, runId: "run-fixed-1" });
    const c = await f.run(undefined, { ...setup().opts, runId: "run-fixed-2" });
    assert.match(a, /^[a-z]+-[a-z]+$/);
    assert.equal(a, b);
    assert.match(c, /^[a-z]+-[a-z]+$/);
  });

  test("Prefect-style lines: Beginning flow run and Finished in state", async () => {
    const t = task({ name: "step" }, () => 1);
    const f = flow({ name: "logged", runName: "my-run" }, async function* () {
      return yield* t();
    });
    const { opts, logs } = setup();
    const handle = f.start(undefined, opts);
    await handle.result();
    const messages = logs.messages(handle.runId);
    assert.ok(messages.includes("Created flow run 'my-run' for flow 'logged'"));
    assert.ok(messages.includes("Beginning flow run 'my-run' for flow 'logged'"));
    assert.equal(messages.at(-1), "Finished in state Completed()");
    assert.ok(
      messages.indexOf("Beginning flow run 'my-run' for flow 'logged'") <
        messages.indexOf("Finished in state Completed()"),
    );
    const taskLines = logs.records.filter((r) => r.runId === handle.runId && r.stepId === "0");
    assert.deepEqual(
      taskLines.map((r) => [r.source, r.message]),
      [["Task run 'step-0'", "Finished in state Completed()"]],
    );
    const flowLine = logs.records.find(
      (r) => r.stepId === undefined && r.message === "Finished in state Completed()",
    );
    assert.equal(flowLine?.source, "Flow run 'my-run'");
    assert.equal(flowLine?.level, "INFO");
  });

  test("a failed run logs Finished in state Failed(...)", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "logged-fail" }, async function* () {
      throw new Error("kaboom");
    });
    const { opts, logs } = setup();
    const handle = f.start(undefined, opts);
    await assert.rejects(handle.result(), FlowRunError);
    const last = logs.records.filter((r) => r.runId === handle.runId).at(-1);
    assert.equal(last?.message, "Finished in state Failed('kaboom')");
    assert.equal(last?.level, "ERROR");
  });

  test("ctx.logger writes to the flow run's log", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "ctx-logger", runName: "r" }, async function* (_p: undefined, ctx) {
      ctx.logger.info("hello from the body");
      ctx.logger.warning("careful");
    });
    const { opts, logs } = setup();
    const handle = f.start(undefined, opts);
    await handle.result();
    const mine = logs.records.filter((r) => r.message === "hello from the body");
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.source, "Flow run 'r'");
    assert.equal(logs.records.find((r) => r.message === "careful")?.level, "WARNING");
  });
});

describe("deterministic replay", () => {
  test("ctx.random() and ctx.uuid() are identical on replay; ctx.isReplaying tells", async () => {
    const seenArgs: unknown[][] = [];
    const record = task({ name: "record" }, (...args: unknown[]) => {
      seenArgs.push(args);
      return args;
    });
    const replaying: boolean[] = [];
    const f = flow({ name: "random-replay" }, async function* (_p: undefined, ctx) {
      replaying.push(ctx.isReplaying);
      const first = yield* record(ctx.random(), ctx.uuid());
      replaying.push(ctx.isReplaying);
      const second = yield* record(ctx.random(), ctx.uuid());
      replaying.push(ctx.isReplaying);
      return [first, second];
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    const original = await handle.result();
    assert.equal(seenArgs.length, 2);
    assert.deepEqual(replaying, [false, false, false]);
    const [r1, u1] = seenArgs[0] as [number, string];
    assert.ok(r1 >= 0 && r1 < 1);
    assert.match(u1, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notDeepEqual(seenArgs[0], seenArgs[1]);

    // Crash after the first task was journaled, then resume from that journal.
    const crashed = await crashedCopy(journal, handle.runId, completedStep("0"));
    seenArgs.length = 0;
    replaying.length = 0;
    const resumed = f.resume(handle.runId, { ...opts, journal: crashed });
    assert.deepEqual(await resumed.result(), original);
    // Only the second task ran again, with the same random arguments as the first time.
    assert.equal(seenArgs.length, 1);
    assert.deepEqual(seenArgs[0], original[1]);
    assert.deepEqual(replaying, [true, false, false]);
  });

  test("ctx.now() is the logical time: the same on replay", async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const times: number[] = [];
    const f = flow({ name: "now-replay" }, async function* (_p: undefined, ctx) {
      times.push(ctx.now().getTime());
      yield* sleep("5m");
      times.push(ctx.now().getTime());
      yield* sleep("5m");
      times.push(ctx.now().getTime());
    });
    const journal = new InMemoryJournal({ serialize: true });
    const handle = f.start(undefined, { journal, clock, console: false });
    await handle.result();
    const start = times[0] ?? 0;
    assert.deepEqual(times, [start, start + 300_000, start + 600_000]);
    const crashed = await crashedCopy(journal, handle.runId, completedStep("0"));
    times.length = 0;
    await f.resume(handle.runId, { journal: crashed, clock, console: false }).result();
    // The resumed run replays the first sleep at its journaled time, then sleeps from now.
    assert.deepEqual(times.slice(0, 2), [start, start + 300_000]);
  });

  test("a completed run is not run again on resume", async () => {
    let bodyRuns = 0;
    const t = task({ name: "once" }, () => 42);
    const f = flow({ name: "finished-resume" }, async function* () {
      bodyRuns++;
      return yield* t();
    });
    const { opts } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), 42);
    assert.equal(await f.resume(handle.runId, opts).result(), 42);
    assert.equal(bodyRuns, 1);
  });

  test("resuming a run with no journal fails with a UsageError", async () => {
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const f = flow({ name: "no-journal" }, async function* () {
      return 1;
    });
    const state = await f.resume("nope", setup().opts).finalState();
    assert.equal(state.type, "CRASHED");
    assert.ok(state.error instanceof UsageError);
  });

  test("a replay that yields a different step fails with NonDeterminismError naming both", async () => {
    const alpha = task({ name: "alpha" }, () => "a");
    const beta = task({ name: "beta" }, () => "b");
    const gamma = task({ name: "gamma" }, () => "g");
    const original = flow({ name: "changing" }, async function* () {
      yield* alpha();
      return yield* beta();
    });
    const changed = flow({ name: "changing" }, async function* () {
      yield* gamma();
      return yield* beta();
    });
    const { opts, journal } = setup();
    const handle = original.start(undefined, opts);
    await handle.result();
    const crashed = await crashedCopy(journal, handle.runId, completedStep("0"));
    const resumed = changed.resume(handle.runId, { ...opts, journal: crashed });
    await assert.rejects(resumed.result(), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      const cause = error.cause;
      assert.ok(cause instanceof NonDeterminismError, `expected NonDeterminismError: ${cause}`);
      assert.match(cause.message, /'alpha'/);
      assert.match(cause.message, /'gamma'/);
      return true;
    });
  });

  test("non-determinism is not caught by the body nor retried", async () => {
    let bodyRuns = 0;
    const alpha = task({ name: "alpha2" }, () => "a");
    const gamma = task({ name: "gamma2" }, () => "g");
    const original = flow({ name: "changing-2" }, async function* () {
      yield* alpha();
      yield* alpha();
    });
    const changed = flow({ name: "changing-2", retries: 3 }, async function* () {
      bodyRuns++;
      try {
        yield* gamma();
      } catch {
        return "caught";
      }
    });
    const { opts, journal } = setup();
    const handle = original.start(undefined, opts);
    await handle.result();
    const crashed = await crashedCopy(journal, handle.runId, completedStep("0"));
    const state = await changed.resume(handle.runId, { ...opts, journal: crashed }).finalState();
    assert.equal(state.type, "FAILED");
    assert.ok(state.error instanceof NonDeterminismError);
    assert.equal(bodyRuns, 1);
  });
});

describe("misuse", () => {
  test("yielding something that is not a step fails with a UsageError about yield*", async () => {
    const f = flow({ name: "plain-yield" }, async function* () {
      yield 5 as unknown as Command;
      return "unreachable";
    });
    await assert.rejects(f.run(undefined, setup().opts), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      assert.ok(error.cause instanceof UsageError);
      assert.match((error.cause as Error).message, /yield\*/);
      assert.match((error.cause as Error).message, /plain-yield/);
      return true;
    });
  });

  test("awaiting a task inside a flow fails with a UsageError about yield*", async () => {
    const t = task({ name: "awaited" }, () => 1);
    // biome-ignore lint/correctness/useYield: the point is that the body awaits instead of yielding.
    const f = flow({ name: "await-task" }, async function* () {
      return await (t() as unknown as Promise<number>);
    });
    await assert.rejects(f.run(undefined, setup().opts), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.ok(error.cause instanceof UsageError);
      assert.match((error.cause as Error).message, /yield\*/);
      return true;
    });
  });

  test("a flow needs a name and whole-number retries", () => {
    assert.throws(() => flow({ name: "" }, async function* () {}), UsageError);
    assert.throws(() => flow({ name: "x", retries: -1 }, async function* () {}), UsageError);
  });
});
