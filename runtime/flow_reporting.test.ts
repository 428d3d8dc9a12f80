import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FlowRunError,
  flow,
  type HookContext,
  InMemoryJournal,
  InMemoryLogStore,
  inspectRun,
  registerErrorClass,
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
