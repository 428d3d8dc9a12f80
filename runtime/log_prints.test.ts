import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { all, formatLogLine, task } from "./host.ts";
import { runBody, runStep } from "./testing/run_body.ts";

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
      .map((r) => formatLogLine(r).slice(13).split("\n")[0]);
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
