import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  all,
  type Command,
  encode,
  FlowRunError,
  flow,
  formatLogLine,
  InMemoryJournal,
  InMemoryLogStore,
  InMemoryResultStore,
  inspectRun,
  NonRetryableError,
  type RunOptions,
  type RunView,
  Step,
  type StepView,
  sleep,
  type TaskContext,
  TimeoutError,
  task,
  UsageError,
} from "./mod.ts";
import { FakeClock } from "./testing/fake_clock.ts";

const START = Date.UTC(2026, 0, 1);
let runCounter = 0;

interface Ran<R> {
  /** The final state, with the result or the error. */
  readonly state: Awaited<ReturnType<typeof runBody<R>>>["state"];
  readonly view: RunView;
  readonly taskRuns: readonly StepView[];
  readonly runId: string;
  readonly clock: FakeClock;
  readonly logs: InMemoryLogStore;
  readonly results: InMemoryResultStore;
}

/** Runs `body` as the body of a flow on a fake clock that jumps to each timer. */
async function runBody<R>(
  body: () => Generator<Command, R, unknown> | AsyncGenerator<Command, R, unknown>,
  options: RunOptions & { flowName?: string; logPrints?: boolean } = {},
) {
  const journal = new InMemoryJournal({ serialize: true });
  const runId = options.runId ?? `task-run-${++runCounter}`;
  const clock =
    (options.clock as FakeClock | undefined) ?? new FakeClock({ start: START, autoAdvance: true });
  const logs = (options.logs as InMemoryLogStore | undefined) ?? new InMemoryLogStore();
  const results = (options.results as InMemoryResultStore | undefined) ?? new InMemoryResultStore();
  const f = flow(
    {
      name: options.flowName ?? "task-flow",
      ...(options.logPrints === undefined ? {} : { logPrints: options.logPrints }),
    },
    async function* () {
      return yield* body();
    },
  );
  const state = await f.run(
    {},
    { ...options, journal, runId, clock, logs, results, console: false, returnState: true },
  );
  const view = await inspectRun(journal, runId);
  return { state, view, taskRuns: view.taskRuns, runId, clock, logs, results };
}

/** Runs a single step as a flow. */
function runStep<R>(makeStep: () => Step<R>, options: RunOptions & { logPrints?: boolean } = {}) {
  return runBody(function* () {
    return yield* makeStep();
  }, options) as Promise<Ran<R>>;
}

const never = () => new Promise<never>(() => {});

describe("defining tasks", () => {
  test("a task without a name is a UsageError", () => {
    for (const options of [{}, { name: "" }, { name: "   " }, { name: 42 }, undefined]) {
      assert.throws(
        () => task(options as never, () => 1),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message ===
            'Cannot define a task without a name: pass task({ name: "my-task" }, fn)',
        JSON.stringify(options),
      );
    }
  });

  test("bad retries, jitter, timeout or cache expiration are UsageErrors naming the value", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ retries: -1 }, /retries must be a whole number ≥ 0, got -1/],
      [{ retries: 2.5 }, /got 2.5/],
      [{ retryJitterFactor: -1 }, /retryJitterFactor must be ≥ 0, got -1/],
      [{ timeout: "soon" }, /Cannot parse "soon" as timeout/],
      [{ timeout: -5 }, /Cannot use -5 as timeout/],
      [{ cache: { expiration: "forever" } }, /"forever" as cache expiration/],
      [{ retryDelay: "1 minute" }, /"1 minute" as retryDelay/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(
        () => task({ name: "bad-task", ...extra } as never, () => 1),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message.startsWith("Cannot define task 'bad-task': ") &&
          message.test(error.message),
        JSON.stringify(extra),
      );
    }
  });

  test("a task exposes its name, frozen options, kind and function", () => {
    const fn = (n: number) => n * 2;
    const double = task({ name: "double", retries: 1, tags: ["math"] }, fn);
    assert.equal(double.taskName, "double");
    assert.equal(double.name, "double");
    assert.equal(double.kind, "task");
    assert.equal(double.fn, fn);
    assert.deepEqual(double.options, { name: "double", retries: 1, tags: ["math"] });
    assert.ok(Object.isFrozen(double.options));
  });

  test("task.fn is the plain function, callable outside any flow", async () => {
    const double = task({ name: "double" }, (n: number) => n * 2);
    assert.equal(double.fn.call({} as TaskContext, 21), 42);
    const greet = task({ name: "greet" }, async function (this: TaskContext, who: string) {
      return `${this.taskRunName}: hello ${who}`;
    });
    assert.equal(
      await greet.fn.call({ taskRunName: "manual" } as TaskContext, "ana"),
      "manual: hello ana",
    );
  });

  test("calling a task outside a flow runs nothing and gives a Step", () => {
    let calls = 0;
    const t = task({ name: "lazy" }, () => ++calls);
    const step = t();
    assert.ok(step instanceof Step);
    assert.equal(step.spec.type, "task");
    assert.equal(calls, 0);
  });

  test("task.with() makes a changed copy and leaves the original alone", async () => {
    let calls = 0;
    const fn = function (this: TaskContext) {
      calls++;
      if (this.attempt === 1) throw new Error("first attempts fail");
      return this.attempt;
    };
    const original = task({ name: "flaky", tags: ["a"] }, fn);
    const patient = original.with({ retries: 1 });
    assert.notEqual(patient, original);
    assert.equal(patient.taskName, "flaky");
    assert.equal(patient.fn, fn);
    assert.equal(patient.options.retries, 1);
    assert.deepEqual(patient.options.tags, ["a"]);
    assert.equal(original.options.retries, undefined);
    assert.equal(original.with({ name: "renamed" }).taskName, "renamed");

    const failed = await runStep(() => original());
    assert.equal(failed.state.type, "FAILED");
    assert.equal(calls, 1);
    const recovered = await runStep(() => patient());
    assert.equal(recovered.state.type, "COMPLETED");
    assert.equal(recovered.state.result, 2);
    assert.equal(calls, 3);
  });

  test("task.with() validates the new options", () => {
    const t = task({ name: "t" }, () => 1);
    assert.throws(() => t.with({ retries: -2 }), UsageError);
    assert.throws(() => t.with({ name: "" }), UsageError);
  });
});

describe("steps are not promises", () => {
  test("`await someTask(x)` throws a UsageError that says to use yield*", async () => {
    const t = task({ name: "t" }, (n: number) => n);
    await assert.rejects(
      async () => await (t(1) as unknown),
      (error: unknown) =>
        error instanceof UsageError &&
        /not a promise/.test(error.message) &&
        error.message.includes("yield*") &&
        error.message.includes(".fn("),
    );
    await assert.rejects(async () => await (t.submit(1) as unknown), UsageError);
  });

  test("`await someTask(x)` inside a flow fails the run with that UsageError, running nothing", async () => {
    let calls = 0;
    const t = task({ name: "t" }, () => ++calls);
    // biome-ignore lint/correctness/useYield: the mistake under test: awaiting instead of yield*.
    async function* awaitsAStep() {
      return await (t() as unknown);
    }
    const wrong = flow({ name: "awaits-a-step" }, awaitsAStep);
    const error = await wrong.run({}, { clock: new FakeClock(), console: false }).then(
      () => assert.fail("the run should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    assert.equal(error.state.type, "FAILED");
    assert.ok(error.cause instanceof UsageError);
    assert.match(error.cause.message, /yield\*/);
    assert.equal(calls, 0);
  });

  test("`yield someTask(x)` without the star fails with a UsageError, running nothing", async () => {
    let calls = 0;
    const t = task({ name: "t" }, () => ++calls);
    const { state, taskRuns } = await runBody(async function* () {
      // An async generator awaits what it yields: the Step refuses to be awaited.
      yield t() as unknown as Command;
      return 1;
    });
    assert.equal(state.type, "FAILED");
    assert.ok(state.error instanceof UsageError);
    assert.match(state.error.message, /run it with `yield\*`/);
    assert.equal(taskRuns.length, 0);
    assert.equal(calls, 0);
  });
});

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

describe("task run names", () => {
  test("default names count per task name: fetch-fact-0, fetch-fact-1, parse-0", async () => {
    const fetchFact = task({ name: "fetch-fact" }, (n: number) => n);
    const parse = task({ name: "parse" }, (n: number) => n);
    const seen: string[] = [];
    const named = task({ name: "fetch-fact" }, function (this: TaskContext) {
      seen.push(this.taskRunName);
    });
    const { taskRuns } = await runBody(function* () {
      yield* fetchFact(1);
      yield* parse(2);
      yield* fetchFact(3);
      yield* named();
    });
    assert.deepEqual(
      taskRuns.map((t) => t.runName),
      ["fetch-fact-0", "parse-0", "fetch-fact-1", "fetch-fact-2"],
    );
    assert.deepEqual(seen, ["fetch-fact-2"]);
  });

  test('a template over the arguments: "fetch-{0}"', async () => {
    const seen: string[] = [];
    const fetch = task(
      { name: "fetch", runName: "fetch-{0}-{1}" },
      function (this: TaskContext, _url: string, _page: number) {
        seen.push(this.taskRunName);
      },
    );
    const { taskRuns, logs, runId } = await runBody(function* () {
      yield* fetch("cats", 1);
      yield* fetch("dogs", 2);
    });
    assert.deepEqual(
      taskRuns.map((t) => t.runName),
      ["fetch-cats-1", "fetch-dogs-2"],
    );
    assert.deepEqual(seen, ["fetch-cats-1", "fetch-dogs-2"]);
    assert.equal(
      logs.records.find((r) => r.runId === runId && r.stepId === "1")?.source,
      "Task run 'fetch-dogs-2'",
    );
  });

  test('fields of a single object argument: "load-{path}", "{source.url}"', async () => {
    const load = task({ name: "load", runName: "load-{path}" }, (_file: { path: string }) => 1);
    const pull = task(
      { name: "pull", runName: "pull {source.url} as {0.as}" },
      (_req: { source: { url: string }; as: string }) => 1,
    );
    const { taskRuns } = await runBody(function* () {
      yield* load({ path: "data/x.csv" });
      yield* pull({ source: { url: "https://a" }, as: "json" });
    });
    assert.deepEqual(
      taskRuns.map((t) => t.runName),
      ["load-data/x.csv", "pull https://a as json"],
    );
  });

  test("a function of the arguments", async () => {
    const fetch = task(
      { name: "fetch", runName: (url: string, page: number) => `${new URL(url).host}#${page}` },
      (_url: string, _page: number) => 1,
    );
    const { taskRuns } = await runStep(() => fetch("https://catfact.ninja/fact", 3));
    assert.equal(taskRuns[0]?.runName, "catfact.ninja#3");
  });

  test("a template that cannot be filled falls back to the default name, with a warning", async () => {
    const t = task({ name: "odd", runName: "odd-{missing}" }, () => 1);
    const { taskRuns, logs, runId, state } = await runStep(() => t());
    assert.equal(state.type, "COMPLETED");
    assert.equal(taskRuns[0]?.runName, "odd-0");
    const warning = logs.records.find((r) => r.runId === runId && r.level === "WARNING");
    assert.ok(warning !== undefined);
    assert.match(warning.message, /Cannot name a run of task 'odd'.*\{missing\}.*using 'odd-0'/);
  });

  test("a name function that throws falls back to the default name", async () => {
    const t = task(
      {
        name: "odd",
        runName: () => {
          throw new Error("no name");
        },
      },
      () => 1,
    );
    const { taskRuns, state } = await runStep(() => t());
    assert.equal(state.type, "COMPLETED");
    assert.equal(taskRuns[0]?.runName, "odd-0");
  });
});

describe("TaskContext (this)", () => {
  test("tells the task who and where it is", async () => {
    const seen: Record<string, unknown>[] = [];
    let calls = 0;
    const t = task(
      { name: "ctx", tags: ["io", "net"], retries: 1 },
      async function (this: TaskContext, n: number) {
        calls++;
        seen.push({
          taskName: this.taskName,
          taskRunName: this.taskRunName,
          taskRunId: this.taskRunId,
          stepId: this.stepId,
          flowRunId: this.flowRunId,
          flowName: this.flowName,
          attempt: this.attempt,
          tags: this.tags,
          signal: this.signal instanceof AbortSignal,
        });
        if (calls === 1) throw new Error("first try fails");
        return n;
      },
    );
    const other = task({ name: "other" }, function (this: TaskContext) {
      return [this.stepId, this.tags];
    });
    const { state, runId } = await runBody(
      function* () {
        return [yield* t(5), yield* other()];
      },
      { runId: "ctx-run", flowName: "ctx-flow" },
    );
    assert.equal(runId, "ctx-run");
    assert.deepEqual(state.result, [5, ["1", []]]);
    const expected = {
      taskName: "ctx",
      taskRunName: "ctx-0",
      taskRunId: "ctx-run/0",
      stepId: "0",
      flowRunId: "ctx-run",
      flowName: "ctx-flow",
      tags: ["io", "net"],
      signal: true,
    };
    assert.deepEqual(seen, [
      { ...expected, attempt: 1 },
      { ...expected, attempt: 2 },
    ]);
  });

  test("this.logger writes the task's records, with its step id and run name", async () => {
    const clock = new FakeClock({ start: START, autoAdvance: true });
    const t = task({ name: "chatty" }, async function (this: TaskContext) {
      this.logger.debug("d");
      this.logger.info("i");
      await sleepOn(clock, 1_500);
      this.logger.warning("w");
      this.logger.error("e");
      this.logger.critical("c");
      return 1;
    });
    const { logs, runId } = await runStep(() => t(), { clock, runId: "chatty-run" });
    const records = logs.records.filter((r) => r.stepId === "0");
    assert.deepEqual(records, [
      {
        runId,
        stepId: "0",
        source: "Task run 'chatty-0'",
        level: "DEBUG",
        message: "d",
        timestamp: START,
      },
      {
        runId,
        stepId: "0",
        source: "Task run 'chatty-0'",
        level: "INFO",
        message: "i",
        timestamp: START,
      },
      {
        runId,
        stepId: "0",
        source: "Task run 'chatty-0'",
        level: "WARNING",
        message: "w",
        timestamp: START + 1_500,
      },
      {
        runId,
        stepId: "0",
        source: "Task run 'chatty-0'",
        level: "ERROR",
        message: "e",
        timestamp: START + 1_500,
      },
      {
        runId,
        stepId: "0",
        source: "Task run 'chatty-0'",
        level: "CRITICAL",
        message: "c",
        timestamp: START + 1_500,
      },
      {
        runId,
        stepId: "0",
        source: "Task run 'chatty-0'",
        level: "INFO",
        message: "Finished in state Completed()",
        timestamp: START + 1_500,
      },
    ]);
    assert.deepEqual(logs.messages(runId, "0"), [
      "d",
      "i",
      "w",
      "e",
      "c",
      "Finished in state Completed()",
    ]);
  });
});

/** Waits on the fake clock, as a task doing slow work would. */
function sleepOn(clock: FakeClock, ms: number): Promise<void> {
  return clock.sleepUntil(clock.now() + ms);
}

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;
type Printed = [(typeof CONSOLE_METHODS)[number], string][];

/** Replaces the console's methods with recorders while `fn` runs, and puts them back. */
async function withConsoleSpy<T>(
  fn: (printed: Printed, spies: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const saved = CONSOLE_METHODS.map((m) => console[m]);
  const printed: Printed = [];
  const spies: Record<string, unknown> = {};
  for (const method of CONSOLE_METHODS) {
    const spy = (...args: unknown[]) => {
      printed.push([method, args.map(String).join(" ")]);
    };
    spies[method] = spy;
    console[method] = spy;
  }
  try {
    return await fn(printed, spies);
  } finally {
    CONSOLE_METHODS.forEach((method, i) => {
      console[method] = saved[i] as (typeof console)[typeof method];
    });
  }
}

describe("logPrints", () => {
  test("console output inside a logPrints task becomes its log records, not console output", async () => {
    await withConsoleSpy(async (printed, spies) => {
      const t = task({ name: "printer", logPrints: true }, () => {
        console.log("hello", { a: 1 }, 2);
        console.info("info line");
        console.warn("careful");
        console.error("bad", new Error("oops").message);
        console.debug("details");
        return "printed";
      });
      const { state, logs, runId } = await runStep(() => t());
      assert.equal(state.result, "printed");
      assert.deepEqual(printed, []);
      const records = logs.records.filter((r) => r.runId === runId && r.stepId === "0");
      assert.deepEqual(
        records.map((r) => [r.level, r.message, r.source]),
        [
          ["INFO", 'hello {"a":1} 2', "Task run 'printer-0'"],
          ["INFO", "info line", "Task run 'printer-0'"],
          ["WARNING", "careful", "Task run 'printer-0'"],
          ["ERROR", "bad oops", "Task run 'printer-0'"],
          ["DEBUG", "details", "Task run 'printer-0'"],
          ["INFO", "Finished in state Completed()", "Task run 'printer-0'"],
        ],
      );
      // The console is as it was before the task ran.
      for (const method of CONSOLE_METHODS) assert.equal(console[method], spies[method], method);
      console.log("after the run");
      assert.deepEqual(printed, [["log", "after the run"]]);
    });
  });

  test("without logPrints console output goes to the console and is not logged", async () => {
    await withConsoleSpy(async (printed) => {
      const t = task({ name: "quiet" }, () => {
        console.log("to the console");
        return 1;
      });
      const { logs, runId } = await runStep(() => t());
      assert.deepEqual(printed, [["log", "to the console"]]);
      assert.deepEqual(logs.messages(runId, "0"), ["Finished in state Completed()"]);
    });
  });

  test("the flow's logPrints applies to its tasks; a task's own setting wins", async () => {
    await withConsoleSpy(async (printed) => {
      const inherits = task({ name: "inherits" }, () => {
        console.log("captured");
      });
      const optsOut = task({ name: "opts-out", logPrints: false }, () => {
        console.log("not captured");
      });
      const { logs, runId } = await runBody(
        function* () {
          yield* inherits();
          yield* optsOut();
        },
        { logPrints: true },
      );
      assert.deepEqual(logs.messages(runId, "0"), ["captured", "Finished in state Completed()"]);
      assert.deepEqual(logs.messages(runId, "1"), ["Finished in state Completed()"]);
      assert.deepEqual(printed, [["log", "not captured"]]);
    });
  });

  test("output after the task ends is not captured", async () => {
    await withConsoleSpy(async (printed) => {
      const t = task({ name: "printer", logPrints: true }, () => 1);
      const { runId, logs } = await runBody(function* () {
        yield* t();
        console.log("from the flow body");
      });
      assert.deepEqual(printed, [["log", "from the flow body"]]);
      assert.deepEqual(logs.messages(runId, "0"), ["Finished in state Completed()"]);
    });
  });

  test("while two capturing tasks print at once, output cannot be attributed and passes through", async () => {
    await withConsoleSpy(async (printed) => {
      let started = 0;
      let release!: () => void;
      const bothStarted = new Promise<void>((resolve) => {
        release = resolve;
      });
      const t = task({ name: "together", logPrints: true }, async (label: string) => {
        if (++started === 2) release();
        await bothStarted;
        console.log(`from ${label}`);
        return label;
      });
      const { state, logs, runId } = await runBody(function* () {
        return yield* all([t("a"), t("b")]);
      });
      assert.deepEqual(state.result, ["a", "b"]);
      assert.deepEqual(printed, [
        ["log", "from a"],
        ["log", "from b"],
      ]);
      assert.ok(!logs.messages(runId).some((m) => m.startsWith("from ")));
    });
  });
});

describe(".submit()", () => {
  test("submitted tasks run concurrently; their handles give results, once", async () => {
    const events: string[] = [];
    let calls = 0;
    let started = 0;
    const work = task({ name: "work" }, async (label: string) => {
      calls++;
      started++;
      events.push(`start ${label}`);
      // Wait (a bounded number of macrotasks) until both have started: only concurrent
      // tasks get past this with both starts recorded first.
      for (let i = 0; i < 100 && started < 2; i++) await new Promise((r) => setTimeout(r, 0));
      events.push(`end ${label}`);
      return label.toUpperCase();
    });
    const { state, taskRuns } = await runBody(function* () {
      const a = yield* work.submit("a");
      const b = yield* work.submit("b");
      const both = yield* all([a, b]);
      const again = yield* a;
      return { both, again };
    });
    assert.deepEqual(state.result, { both: ["A", "B"], again: "A" });
    assert.equal(calls, 2);
    assert.deepEqual(events.slice(0, 2), ["start a", "start b"]);
    assert.deepEqual(
      taskRuns.map((t) => [t.runName, t.state.name]),
      [
        ["work-0", "Completed"],
        ["work-1", "Completed"],
      ],
    );
  });

  test("the body may go on while a submitted task runs, and the run waits for it", async () => {
    const order: string[] = [];
    const clock = new FakeClock({ start: START, autoAdvance: true });
    const slow = task({ name: "slow" }, async () => {
      await sleepOn(clock, 10_000);
      order.push("slow done");
      return "slow";
    });
    const quick = task({ name: "quick" }, () => {
      order.push("quick done");
      return "quick";
    });
    const { state, taskRuns } = await runBody(
      function* () {
        const handle = yield* slow.submit();
        const q = yield* quick();
        order.push("body returns");
        return { q, handleStepId: handle.stepId };
      },
      { clock },
    );
    assert.deepEqual(state.result, { q: "quick", handleStepId: "0" });
    assert.deepEqual(order, ["quick done", "body returns", "slow done"]);
    assert.equal(state.type, "COMPLETED");
    assert.deepEqual(
      taskRuns.map((t) => [t.id, t.runName, t.state.name]),
      [
        ["0", "slow-0", "Completed"],
        ["1", "quick-0", "Completed"],
      ],
    );
  });

  test("a failed submitted task throws where its handle is awaited", async () => {
    const bad = task({ name: "bad" }, () => {
      throw new RangeError("nope");
    });
    const { state } = await runBody(function* () {
      const handle = yield* bad.submit();
      try {
        yield* handle;
        return "not reached";
      } catch (error) {
        return `caught ${(error as Error).name}`;
      }
    });
    assert.equal(state.result, "caught RangeError");
  });
});

describe("Prefect-style log lines", () => {
  test("a completed task run logs 'Finished in state Completed()'", async () => {
    const fetchFact = task({ name: "fetch-fact" }, () => "fact");
    const { logs, runId } = await runStep(() => fetchFact());
    const records = logs.records.filter((r) => r.runId === runId && r.stepId === "0");
    assert.equal(records.length, 1);
    const [record] = records;
    assert.ok(record !== undefined);
    assert.equal(record.message, "Finished in state Completed()");
    assert.equal(record.level, "INFO");
    assert.equal(record.source, "Task run 'fetch-fact-0'");
    assert.match(
      formatLogLine(record),
      /^\d\d:\d\d:\d\d\.\d{3} \| INFO {4}\| Task run 'fetch-fact-0' - Finished in state Completed\(\)$/,
    );
  });

  test("a failed task run logs its exception and Failed('...') at ERROR", async () => {
    const broken = task({ name: "broken" }, () => {
      throw new Error("boom");
    });
    const { logs, runId } = await runStep(() => broken());
    const lines = logs.records
      .filter((r) => r.runId === runId && r.stepId === "0")
      .map((r) => formatLogLine(r).slice(13));
    assert.deepEqual(lines, [
      "| ERROR   | Task run 'broken-0' - Task run failed with exception: Error: boom",
      "| ERROR   | Task run 'broken-0' - Finished in state Failed('Task run encountered an exception Error: boom')",
    ]);
  });

  test("the flow run's own lines frame the task's", async () => {
    const fetchFact = task({ name: "fetch-fact" }, () => "fact");
    const { logs, runId, view } = await runStep(() => fetchFact(), { runId: "framed" });
    assert.deepEqual(
      logs.records.filter((r) => r.runId === runId).map((r) => `${r.source} - ${r.message}`),
      [
        `weir.engine - Created flow run '${view.name}' for flow 'task-flow'`,
        `Flow run '${view.name}' - Beginning flow run '${view.name}' for flow 'task-flow'`,
        "Task run 'fetch-fact-0' - Finished in state Completed()",
        `Flow run '${view.name}' - Finished in state Completed()`,
      ],
    );
  });
});

describe("persisted results", () => {
  test("persistResult puts the result in the result store; the journal keeps a reference", async () => {
    const load = task({ name: "load", persistResult: true }, () => ({ rows: [1, 2, 3] }));
    const plain = task({ name: "plain" }, () => "inline");
    const { state, taskRuns, results, runId } = await runBody(function* () {
      return [yield* load(), yield* plain()];
    });
    assert.deepEqual(state.result, [{ rows: [1, 2, 3] }, "inline"]);
    assert.deepEqual(results.keys(), [`${runId}/0`]);
    assert.deepEqual(results.get(`${runId}/0`), encode({ rows: [1, 2, 3] }));
    assert.deepEqual(taskRuns[0]?.resultRef, { store: "results", key: `${runId}/0` });
    assert.equal(taskRuns[0]?.result, undefined);
    assert.equal(taskRuns[1]?.resultRef, undefined);
    assert.equal(taskRuns[1]?.result, "inline");
  });

  test("resultStorageKey is a template over the run, the task and the arguments", async () => {
    const split = task(
      { name: "split", resultStorageKey: "{flowName}/{taskName}/{day}/{taskRunName}" },
      (input: { day: string }) => input.day.length,
    );
    const fetch = task(
      { name: "fetch", resultStorageKey: "raw/{flowRunId}/{stepId}/{0}-{1}", persistResult: true },
      (url: string, page: number) => `${url}#${page}`,
    );
    const { state, results, runId, taskRuns } = await runBody(function* () {
      return [yield* split({ day: "2026-01-01" }), yield* fetch("cats", 2)];
    });
    assert.deepEqual(state.result, [10, "cats#2"]);
    assert.deepEqual(results.keys(), [
      "task-flow/split/2026-01-01/split-0",
      `raw/${runId}/1/cats-2`,
    ]);
    assert.deepEqual(
      taskRuns.map((t) => t.resultRef?.key),
      results.keys(),
    );
  });

  test("a resultStorageKey that cannot be filled fails the task without retrying", async () => {
    let calls = 0;
    const t = task({ name: "t", resultStorageKey: "x/{nope}", retries: 3 }, () => ++calls);
    const { state, taskRuns, results } = await runStep(() => t());
    assert.equal(calls, 1);
    assert.equal(state.type, "FAILED");
    assert.ok(state.error instanceof NonRetryableError);
    assert.match(state.error.message, /Task run 't-0' returned a result that cannot be stored/);
    assert.match(state.error.message, /\{nope\}/);
    assert.equal(taskRuns[0]?.state.name, "Failed");
    assert.deepEqual(results.keys(), []);
  });

  test("a result that is not data fails the task without retrying", async () => {
    let calls = 0;
    const t = task({ name: "fn-result", retries: 2 }, () => {
      calls++;
      return { callback: () => 1, at: Symbol("x") } as unknown;
    });
    // Functions in objects are dropped like JSON does; a bare function cannot be stored.
    const bare = task({ name: "bare", retries: 2 }, () => {
      calls++;
      return (() => 1) as unknown;
    });
    const ok = await runStep(() => t());
    assert.equal(ok.state.type, "COMPLETED");
    const { state } = await runStep(() => bare());
    assert.equal(calls, 2);
    assert.ok(state.error instanceof NonRetryableError);
    assert.match(
      state.error.message,
      /returned a result that cannot be stored: Cannot store function/,
    );
  });

  test("a resumed run reads a persisted result from the store, not by running the task", async () => {
    const journal = new InMemoryJournal({ serialize: true });
    const results = new InMemoryResultStore();
    const clock = new FakeClock({ start: START });
    let calls = 0;
    const produce = task({ name: "produce", persistResult: true }, () => {
      calls++;
      return { n: 1 };
    });
    const waits = flow({ name: "persist-replay" }, async function* () {
      const value = yield* produce();
      yield* sleep("1m");
      return value;
    });
    const options = { journal, clock, results, console: false, mode: "suspend" } as const;
    const first = waits.start({}, { ...options, runId: "persist-1" });
    assert.deepEqual(await first.execution, { status: "suspended", wakeAt: START + 60_000 });
    assert.deepEqual(results.keys(), ["persist-1/0"]);
    // Whatever the store holds is what the replay gets.
    results.put("persist-1/0", encode({ n: 42 }));
    await clock.advance(60_000);
    const resumed = waits.resume("persist-1", options);
    assert.deepEqual(await resumed.result(), { n: 42 });
    assert.equal(calls, 1);
  });

  test("a resumed run whose result store lost the result crashes, naming the key", async () => {
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ start: START });
    const produce = task({ name: "produce", persistResult: true }, () => 1);
    const waits = flow({ name: "persist-lost" }, async function* () {
      const value = yield* produce();
      yield* sleep("1m");
      return value;
    });
    const options = { journal, clock, console: false, mode: "suspend" } as const;
    const first = waits.start(
      {},
      { ...options, runId: "lost-1", results: new InMemoryResultStore() },
    );
    assert.equal((await first.execution).status, "suspended");
    await clock.advance(60_000);
    const resumed = waits.resume("lost-1", { ...options, results: new InMemoryResultStore() });
    const state = await resumed.finalState();
    assert.equal(state.type, "CRASHED");
    assert.match(state.message ?? "", /Cannot read result 'lost-1\/0'/);
  });

  test("resultInlineLimit: big results go to the result store and the run still returns them", async () => {
    const big = "x".repeat(500);
    const makeBig = task({ name: "make-big" }, () => big);
    const makeSmall = task({ name: "make-small" }, () => "small");
    const { state, taskRuns, results, runId } = await runBody(
      function* () {
        const b = yield* makeBig();
        const s = yield* makeSmall();
        return `${b.length}:${s}`;
      },
      { resultInlineLimit: 100 },
    );
    assert.equal(state.result, "500:small");
    const bigRun = taskRuns[0];
    assert.ok(bigRun?.resultRef !== undefined);
    assert.equal(bigRun.result, undefined);
    assert.ok(bigRun.resultRef.key.startsWith(`${runId}/`), bigRun.resultRef.key);
    assert.deepEqual(results.keys(), [bigRun.resultRef.key]);
    assert.equal(results.get(bigRun.resultRef.key), big);
    assert.equal(taskRuns[1]?.resultRef, undefined);
    assert.equal(taskRuns[1]?.result, "small");
  });

  test("resultInlineLimit: a big flow result is stored too and still returned by run()", async () => {
    const big = { text: "y".repeat(300) };
    const makeBig = task({ name: "make-big" }, () => big);
    const { state, view, results } = await runStep(() => makeBig(), { resultInlineLimit: 100 });
    assert.deepEqual(state.result, big);
    assert.equal(results.keys().length, 2);
    assert.ok(view.resultRef !== undefined);
    assert.ok(results.keys().includes(view.resultRef.key));
  });
});
