import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  encode,
  flow,
  InMemoryJournal,
  InMemoryResultStore,
  NonRetryableError,
  sleep,
  task,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";
import { runBody, runStep, START } from "./testing/run_body.ts";

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
