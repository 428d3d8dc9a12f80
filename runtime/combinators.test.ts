import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  all,
  allSettled,
  CancelledError,
  FlowRunError,
  flow,
  InMemoryJournal,
  inspectRun,
  map,
  race,
  registerErrorClass,
  sleep,
  sleepUntil,
  type TaskContext,
  task,
  waitForEvent,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

/** One macrotask: every promise chain that can move has moved. Not a timed wait. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

class QuotaError extends Error {
  override name = "QuotaError";
}
registerErrorClass(QuotaError);

function setup() {
  const journal = new InMemoryJournal({ serialize: true });
  const clock = new FakeClock({ autoAdvance: true });
  return { journal, clock, opts: { journal, clock, console: false } as const };
}

/** A task that counts how many of its runs are inside their body at once. */
function concurrencyProbe(name: string) {
  const counter = { running: 0, max: 0, calls: 0 };
  const probe = task({ name }, async (n: number) => {
    counter.calls++;
    counter.running++;
    counter.max = Math.max(counter.max, counter.running);
    await tick();
    await tick();
    counter.running--;
    return n * 10;
  });
  return { probe, counter };
}

describe("all", () => {
  test("gives a typed tuple of results in argument order", async () => {
    const num = task({ name: "num" }, (n: number) => n + 1);
    const str = task({ name: "str" }, async (s: string) => s.toUpperCase());
    const obj = task({ name: "obj" }, () => ({ ok: true as const }));
    const f = flow({ name: "tuple" }, async function* () {
      const [a, b, c] = yield* all([num(1), str("x"), obj()]);
      const typed: [number, string, { ok: true }] = [a, b, c];
      return typed;
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.result(), [2, "X", { ok: true }]);
    const view = await inspectRun(journal, handle.runId);
    const group = view.steps.find((s) => s.kind === "group");
    assert.equal(group?.name, "all");
    assert.equal(group?.state.type, "COMPLETED");
    assert.deepEqual(
      view.taskRuns.map((t) => [t.runName, t.parentStepId, t.state.name]),
      [
        ["num-0", "0", "Completed"],
        ["str-0", "0", "Completed"],
        ["obj-0", "0", "Completed"],
      ],
    );
  });

  test("without concurrency runs every step at once", async () => {
    const { probe, counter } = concurrencyProbe("probe-all");
    const f = flow({ name: "all-at-once" }, async function* () {
      return yield* all(Array.from({ length: 20 }, (_, i) => probe(i)));
    });
    const result = await f.run(undefined, setup().opts);
    assert.deepEqual(
      result,
      Array.from({ length: 20 }, (_, i) => i * 10),
    );
    assert.equal(counter.calls, 20);
    assert.equal(counter.max, 20);
  });

  test("a failed step throws at the yield*, keeps its class, and try/catch works", async () => {
    const ok = task({ name: "ok" }, () => "fine");
    const quota = task({ name: "quota" }, () => {
      throw new QuotaError("over quota");
    });
    let after = 0;
    const f = flow({ name: "all-fails" }, async function* () {
      try {
        yield* all([ok(), quota(), ok()]);
        after++;
        return "unreachable";
      } catch (error) {
        assert.ok(error instanceof QuotaError, `expected QuotaError, got ${String(error)}`);
        return `caught ${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "caught QuotaError: over quota");
    assert.equal(after, 0);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    assert.deepEqual(
      view.taskRuns.map((t) => t.state.type),
      ["COMPLETED", "FAILED", "COMPLETED"],
    );
    const group = view.steps.find((s) => s.kind === "group");
    assert.equal(group?.state.type, "FAILED");
    assert.ok(group?.error instanceof QuotaError);
  });

  test("an uncaught failure fails the run with the step's error as cause", async () => {
    const bad = task({ name: "bad" }, () => {
      throw new RangeError("out of range");
    });
    const f = flow({ name: "all-uncaught" }, async function* () {
      return yield* all([bad()]);
    });
    await assert.rejects(f.run(undefined, setup().opts), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      assert.ok(error.cause instanceof RangeError);
      assert.equal((error.cause as Error).message, "out of range");
      return true;
    });
  });

  test("rejects a concurrency that is not a whole number ≥ 1", () => {
    const t = task({ name: "t" }, () => 1);
    assert.throws(() => all([t()], { concurrency: 0 }), RangeError);
    assert.throws(() => all([t()], { concurrency: 1.5 }), RangeError);
  });
});

describe("map", () => {
  test("with { concurrency: 3 } over 20 items runs exactly 3 at a time", async () => {
    const { probe, counter } = concurrencyProbe("probe-map");
    const items = Array.from({ length: 20 }, (_, i) => i);
    const f = flow({ name: "map-limited" }, async function* () {
      return yield* map(probe, items, { concurrency: 3 });
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(
      await handle.result(),
      items.map((i) => i * 10),
    );
    assert.equal(counter.calls, 20);
    assert.equal(counter.max, 3);
    assert.equal(counter.running, 0);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.taskRuns.length, 20);
    assert.deepEqual(
      view.taskRuns.map((t) => t.runName),
      items.map((i) => `probe-map-${i}`),
    );
    assert.ok(view.taskRuns.every((t) => t.state.type === "COMPLETED"));
  });

  test("over no items gives an empty list", async () => {
    const { probe, counter } = concurrencyProbe("probe-empty");
    const f = flow({ name: "map-empty" }, async function* () {
      return yield* map(probe, [], { concurrency: 2 });
    });
    assert.deepEqual(await f.run(undefined, setup().opts), []);
    assert.equal(counter.calls, 0);
  });
});

describe("nested groups", () => {
  test("groups nest; step ids and ctx.now() follow", async () => {
    const { probe, counter } = concurrencyProbe("probe-nested");
    const f = flow({ name: "nested" }, async function* (_p: undefined, ctx) {
      const start = ctx.now().getTime();
      const [pair, single] = yield* all([all([probe(1), probe(2)]), probe(3)]);
      yield* sleep("1m");
      return { pair, single, elapsed: ctx.now().getTime() - start };
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.result(), { pair: [10, 20], single: 30, elapsed: 60_000 });
    assert.equal(counter.max, 3);
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(view.steps.map((s) => [s.id, s.kind, s.parentStepId]).sort(), [
      ["0", "group", undefined],
      ["0.0", "group", "0"],
      ["0.0.0", "task", "0.0"],
      ["0.0.1", "task", "0.0"],
      ["0.1", "task", "0"],
      ["1", "sleep", undefined],
    ]);
  });
});

describe("allSettled", () => {
  test("gives status, value or reason, and the final state of each step", async () => {
    const ok = task({ name: "ok" }, (n: number) => n * 2);
    const bad = task({ name: "bad" }, () => {
      throw new QuotaError("nope");
    });
    const f = flow({ name: "settled" }, async function* () {
      const [a, b, c] = yield* allSettled([ok(1), bad(), ok(3)]);
      return { a, b, c };
    });
    const { opts } = setup();
    const { a, b, c } = await f.run(undefined, opts);
    assert.equal(a.status, "fulfilled");
    assert.equal(a.status === "fulfilled" ? a.value : undefined, 2);
    assert.equal(a.state.type, "COMPLETED");
    assert.equal(b.status, "rejected");
    if (b.status !== "rejected") throw new Error("unreachable");
    assert.ok(b.reason instanceof QuotaError);
    assert.equal(b.reason.message, "nope");
    assert.equal(b.state.type, "FAILED");
    assert.equal(b.state.name, "Failed");
    assert.equal(c.status, "fulfilled");
    assert.equal(c.status === "fulfilled" ? c.value : undefined, 6);
  });

  test("honours a concurrency limit", async () => {
    const { probe, counter } = concurrencyProbe("probe-settled");
    const f = flow({ name: "settled-limited" }, async function* () {
      return yield* allSettled(
        Array.from({ length: 7 }, (_, i) => probe(i)),
        { concurrency: 2 },
      );
    });
    const results = await f.run(undefined, setup().opts);
    assert.equal(results.length, 7);
    assert.ok(results.every((r) => r.status === "fulfilled"));
    assert.equal(counter.max, 2);
    assert.equal(counter.calls, 7);
  });

  test("does not fail the run when every step fails", async () => {
    const bad = task({ name: "bad" }, (n: number) => {
      throw new Error(`bad ${n}`);
    });
    const f = flow({ name: "settled-all-fail" }, async function* () {
      const results = yield* allSettled([bad(1), bad(2)]);
      return results.map((r) => (r.status === "rejected" ? r.reason.message : "ok"));
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.deepEqual(await handle.result(), ["bad 1", "bad 2"]);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    assert.equal(view.steps.find((s) => s.kind === "group")?.state.type, "COMPLETED");
  });
});

describe("race", () => {
  test("gives the first result; losers' signals abort and their task runs become Cancelled", async () => {
    const aborted: string[] = [];
    const fast = task({ name: "fast" }, async () => "fast wins");
    const slow = task({ name: "slow" }, function (this: TaskContext, label: string) {
      return new Promise<string>((_resolve, reject) => {
        this.signal.addEventListener("abort", () => {
          aborted.push(label);
          reject(this.signal.reason);
        });
      });
    });
    const f = flow({ name: "racing" }, async function* () {
      return yield* race([slow("a"), fast(), slow("b")]);
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "fast wins");
    assert.deepEqual(aborted.sort(), ["a", "b"]);
    // The losers' cancellation is journaled before the run finishes.
    const view = await inspectRun(journal, handle.runId);
    assert.deepEqual(
      view.taskRuns.map((t) => [t.runName, t.state.type]),
      [
        ["slow-0", "CANCELLED"],
        ["fast-0", "COMPLETED"],
        ["slow-1", "CANCELLED"],
      ],
    );
    const loser = view.taskRuns[0];
    assert.ok(loser?.error instanceof CancelledError);
    assert.equal(view.steps.find((s) => s.kind === "group")?.state.type, "COMPLETED");
  });

  test("a timer against an event: the sleep wins and the wait is cancelled", async () => {
    const f = flow({ name: "race-timeout" }, async function* () {
      const value = yield* race([waitForEvent<string>("approved"), sleep("1h")]);
      return value ?? "timed out";
    });
    const { opts, journal, clock } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "timed out");
    assert.deepEqual(clock.waits, [3_600_000]);
    const view = await inspectRun(journal, handle.runId);
    const event = view.steps.find((s) => s.kind === "event");
    assert.equal(event?.state.type, "CANCELLED");
    assert.equal(view.steps.find((s) => s.kind === "sleep")?.state.type, "COMPLETED");
  });

  test("the first step to fail throws its error at the yield*", async () => {
    const fails = task({ name: "fails" }, () => {
      throw new QuotaError("first to end");
    });
    const never = task({ name: "never" }, function (this: TaskContext) {
      return new Promise<number>((_resolve, reject) => {
        this.signal.addEventListener("abort", () => reject(this.signal.reason));
      });
    });
    const f = flow({ name: "race-fail" }, async function* () {
      try {
        return yield* race([never(), fails()]);
      } catch (error) {
        return error instanceof QuotaError ? "caught" : "wrong class";
      }
    });
    assert.equal(await f.run(undefined, setup().opts), "caught");
  });

  test("a replayed race keeps its winner and runs no step again", async () => {
    const runs: string[] = [];
    const quick = task({ name: "quick" }, (label: string) => {
      runs.push(label);
      return label;
    });
    const stuck = task({ name: "stuck" }, function (this: TaskContext) {
      runs.push("stuck");
      return new Promise<string>((_resolve, reject) => {
        this.signal.addEventListener("abort", () => reject(this.signal.reason));
      });
    });
    const after = task({ name: "after" }, (winner: string) => {
      runs.push(`after ${winner}`);
      return `${winner}!`;
    });
    const f = flow({ name: "race-replay" }, async function* () {
      const winner = yield* race([stuck(), quick("q")]);
      return yield* after(winner);
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "q!");
    assert.deepEqual(runs, ["stuck", "q", "after q"]);
    // Crash right after the race was journaled, then resume.
    const entries = await journal.read(handle.runId);
    const cut = entries.findIndex((e) => e.type === "step.completed" && e.stepId === "0");
    const crashed = new InMemoryJournal({ serialize: true });
    await crashed.append(handle.runId, entries.slice(0, cut + 1));
    runs.length = 0;
    assert.equal(await f.resume(handle.runId, { ...opts, journal: crashed }).result(), "q!");
    assert.deepEqual(runs, ["after q"]);
  });

  test("rejects an empty list", () => {
    assert.throws(() => race([]), RangeError);
  });
});

describe("submit", () => {
  test("starts a task at once; a later yield* of its handle gives the result", async () => {
    const events: string[] = [];
    const work = task({ name: "work" }, async (label: string) => {
      events.push(`start ${label}`);
      await tick();
      events.push(`end ${label}`);
      return label.toUpperCase();
    });
    const other = task({ name: "other" }, () => {
      events.push("other");
      return 1;
    });
    const f = flow({ name: "submitting" }, async function* () {
      const handle = yield* work.submit("a");
      const n = yield* other();
      const value = yield* handle;
      return { n, value };
    });
    const { opts, journal } = setup();
    const run = f.start(undefined, opts);
    assert.deepEqual(await run.result(), { n: 1, value: "A" });
    // "other" ran while the submitted task was still in progress.
    assert.deepEqual(events, ["start a", "other", "end a"]);
    const view = await inspectRun(journal, run.runId);
    assert.deepEqual(
      view.taskRuns.map((t) => [t.id, t.runName]),
      [
        ["0", "work-0"],
        ["1", "other-0"],
      ],
    );
  });

  test("all([handle1, handle2]) waits for submitted tasks", async () => {
    const { probe, counter } = concurrencyProbe("probe-submit");
    const f = flow({ name: "submit-all" }, async function* () {
      const h1 = yield* probe.submit(1);
      const h2 = yield* probe.submit(2);
      const [a, b] = yield* all([h1, h2]);
      return a + b;
    });
    assert.equal(await f.run(undefined, setup().opts), 30);
    assert.equal(counter.calls, 2);
    assert.equal(counter.max, 2);
  });

  test("a submitted task that fails throws at the yield* of its handle", async () => {
    const bad = task({ name: "bad" }, () => {
      throw new QuotaError("later");
    });
    const f = flow({ name: "submit-fail" }, async function* () {
      const handle = yield* bad.submit();
      try {
        yield* handle;
        return "no error";
      } catch (error) {
        return error instanceof QuotaError ? `caught ${(error as Error).message}` : "wrong";
      }
    });
    assert.equal(await f.run(undefined, setup().opts), "caught later");
  });

  test("awaiting a step instead of yield* fails with a UsageError", () => {
    const t = task({ name: "t" }, () => 1);
    assert.throws(() => t().then(), /yield\*/);
    assert.throws(() => t.submit().then(), /yield\*/);
  });
});

describe("sleep and sleepUntil", () => {
  test('sleep("10m") waits 600000 ms on the clock, advances ctx.now(), and completes', async () => {
    const seen: number[] = [];
    const f = flow({ name: "sleeper" }, async function* (_params: undefined, ctx) {
      seen.push(ctx.now().getTime());
      yield* sleep("10m");
      seen.push(ctx.now().getTime());
      return "awake";
    });
    const { opts, clock, journal } = setup();
    const start = clock.now();
    const handle = f.start(undefined, opts);
    assert.equal(await handle.result(), "awake");
    assert.deepEqual(clock.waits, [600_000]);
    assert.deepEqual(seen, [start, start + 600_000]);
    const view = await inspectRun(journal, handle.runId);
    const step = view.steps[0];
    assert.equal(step?.kind, "sleep");
    assert.equal(step?.runName, "sleep-0");
    assert.deepEqual(
      step?.stateHistory.map((s) => s.name),
      ["Scheduled", "Completed"],
    );
    assert.equal(step?.stateHistory[0]?.scheduledTime, start + 600_000);
  });

  test("durations in seconds and compound strings", async () => {
    const f = flow({ name: "sleeps" }, async function* () {
      yield* sleep(5);
      yield* sleep("1h30m");
      yield* sleep("250ms");
    });
    const { opts, clock } = setup();
    await f.run(undefined, opts);
    assert.deepEqual(clock.waits, [5_000, 5_400_000, 250]);
  });

  test("sleepUntil(date) waits until that moment", async () => {
    const { opts, clock } = setup();
    const target = new Date(clock.now() + 90 * 60_000);
    const f = flow({ name: "until" }, async function* (_params: undefined, ctx) {
      yield* sleepUntil(target);
      return ctx.now().toISOString();
    });
    assert.equal(await f.run(undefined, opts), target.toISOString());
    assert.deepEqual(clock.waits, [5_400_000]);
    assert.equal(clock.now(), target.getTime());
  });

  test("sleepUntil a past moment does not wait", async () => {
    const { opts, clock } = setup();
    const f = flow({ name: "until-past" }, async function* () {
      yield* sleepUntil(clock.now() - 1000);
      return "done";
    });
    assert.equal(await f.run(undefined, opts), "done");
    assert.equal(clock.pending, 0);
    assert.ok(clock.waits.every((w) => w === 0));
  });

  test("sleepUntil rejects an invalid date", () => {
    assert.throws(() => sleepUntil(new Date("not a date")), RangeError);
  });
});
