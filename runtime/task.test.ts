import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  all,
  type Command,
  FlowRunError,
  flow,
  Step,
  type TaskContext,
  task,
  UsageError,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";
import { runBody, runStep, START } from "./testing/run_body.ts";

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
