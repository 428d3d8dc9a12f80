import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FlowRunError,
  flow,
  InMemoryJournal,
  inspectRun,
  type Journal,
  TimeoutError,
  task,
  waitForEvent,
} from "./host.ts";
import { eventually, tick } from "./testing/eventually.ts";
import { FakeClock } from "./testing/fake_clock.ts";

/** True once the run has journaled a wait for `name` that has not ended. */
async function waitingFor(journal: Journal, runId: string, name: string): Promise<boolean> {
  const entries = await journal.read(runId);
  if (entries.length === 0) return false;
  const view = await inspectRun(journal, runId);
  return view.steps.some((s) => s.kind === "event" && s.name === name && s.endedAt === undefined);
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function setup() {
  const journal = new InMemoryJournal({ serialize: true });
  const clock = new FakeClock();
  return { journal, clock, opts: { journal, clock, console: false } as const };
}

describe("waitForEvent", () => {
  test("an event sent before the flow waits is kept and received", async () => {
    const gate = deferred();
    let gateEntered = false;
    const blocker = task({ name: "blocker" }, async () => {
      gateEntered = true;
      await gate.promise;
    });
    const f = flow({ name: "early-event" }, async function* () {
      yield* blocker();
      return yield* waitForEvent<{ by: string }>("approved");
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    await eventually(() => gateEntered, "the blocking task started");
    await handle.sendEvent("approved", { by: "ana" });
    assert.equal(await waitingFor(journal, handle.runId, "approved"), false);
    gate.resolve();
    assert.deepEqual(await handle.result(), { by: "ana" });
    const view = await inspectRun(journal, handle.runId);
    const wait = view.steps.find((s) => s.kind === "event");
    assert.equal(wait?.runName, "wait-for-approved");
    assert.equal(wait?.state.type, "COMPLETED");
    assert.deepEqual(wait?.result, { by: "ana" });
  });

  test("an event sent while the flow waits is received", async () => {
    const f = flow({ name: "late-event" }, async function* () {
      const payload = yield* waitForEvent<number>("go");
      return payload * 2;
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    await eventually(() => waitingFor(journal, handle.runId, "go"), "the flow waits for 'go'");
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.steps[0]?.state.type, "PAUSED");
    await handle.sendEvent("go", 21);
    assert.equal(await handle.result(), 42);
  });

  test("events with other names do not wake the wait", async () => {
    const f = flow({ name: "named-event" }, async function* () {
      return yield* waitForEvent<string>("wanted");
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    await eventually(() => waitingFor(journal, handle.runId, "wanted"), "the flow waits");
    await handle.sendEvent("other", "ignored");
    await tick();
    assert.equal(await waitingFor(journal, handle.runId, "wanted"), true);
    await handle.sendEvent("wanted", "this one");
    assert.equal(await handle.result(), "this one");
  });

  test("two waits with the same name consume two events in order", async () => {
    const gate = deferred();
    let gateEntered = false;
    const blocker = task({ name: "blocker" }, async () => {
      gateEntered = true;
      await gate.promise;
    });
    const f = flow({ name: "two-events" }, async function* () {
      yield* blocker();
      const first = yield* waitForEvent<string>("item");
      const second = yield* waitForEvent<string>("item");
      const third = yield* waitForEvent<string>("item");
      return [first, second, third];
    });
    const { opts, journal } = setup();
    const handle = f.start(undefined, opts);
    await eventually(() => gateEntered, "the blocking task started");
    await handle.sendEvent("item", "one");
    await handle.sendEvent("item", "two");
    gate.resolve();
    // The first two were queued; the third wait blocks until a third event comes.
    await eventually(() => waitingFor(journal, handle.runId, "item"), "the third wait");
    const waits = (await inspectRun(journal, handle.runId)).steps.filter((s) => s.kind === "event");
    assert.deepEqual(
      waits.map((s) => s.state.type),
      ["COMPLETED", "COMPLETED", "PAUSED"],
    );
    await handle.sendEvent("item", "three");
    assert.deepEqual(await handle.result(), ["one", "two", "three"]);
  });

  test("a timeout throws TimeoutError at the yield*, catchable in the flow", async () => {
    const f = flow({ name: "event-timeout" }, async function* () {
      try {
        return yield* waitForEvent<string>("approval", { timeout: "5m" });
      } catch (error) {
        assert.ok(error instanceof TimeoutError, `expected TimeoutError, got ${String(error)}`);
        return "timed out";
      }
    });
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ autoAdvance: true });
    const start = clock.now();
    const handle = f.start(undefined, { journal, clock, console: false });
    assert.equal(await handle.result(), "timed out");
    assert.deepEqual(clock.waits, [300_000]);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.state?.type, "COMPLETED");
    const wait = view.steps[0];
    assert.equal(wait?.state.name, "TimedOut");
    assert.equal(wait?.state.type, "FAILED");
    assert.equal(wait?.stateHistory[0]?.scheduledTime, start + 300_000);
    assert.ok(wait?.error instanceof TimeoutError);
  });

  test("an uncaught timeout fails the run with TimeoutError as cause", async () => {
    const f = flow({ name: "event-timeout-uncaught" }, async function* () {
      return yield* waitForEvent("never", { timeout: 30 });
    });
    const clock = new FakeClock({ autoAdvance: true });
    await assert.rejects(f.run(undefined, { clock, console: false }), (error: unknown) => {
      assert.ok(error instanceof FlowRunError);
      assert.equal(error.state.type, "FAILED");
      assert.ok(error.cause instanceof TimeoutError);
      assert.match((error.cause as Error).message, /never/);
      return true;
    });
    assert.deepEqual(clock.waits, [30_000]);
  });

  test("an event that arrives before the timeout wins", async () => {
    const f = flow({ name: "event-before-timeout" }, async function* () {
      return yield* waitForEvent<string>("ping", { timeout: "1h" });
    });
    const { opts, journal, clock } = setup();
    const handle = f.start(undefined, opts);
    await eventually(() => waitingFor(journal, handle.runId, "ping"), "the flow waits");
    await clock.advance(59 * 60_000);
    await handle.sendEvent("ping", "pong");
    assert.equal(await handle.result(), "pong");
    await clock.advance(60 * 60_000);
    assert.equal(clock.pending, 0);
  });

  test("an event sent to a run right after start is kept for its first wait", async () => {
    const f = flow({ name: "immediate-event" }, async function* () {
      return yield* waitForEvent<{ n: number }>("data");
    });
    const { opts } = setup();
    const handle = f.start(undefined, opts);
    await handle.sendEvent("data", { n: 7 });
    assert.deepEqual(await handle.result(), { n: 7 });
  });

  test("waitForEvent rejects an empty name", () => {
    assert.throws(() => waitForEvent(""), RangeError);
  });
});
