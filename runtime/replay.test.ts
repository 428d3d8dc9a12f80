import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Command,
  FlowRunError,
  flow,
  InMemoryJournal,
  InMemoryLogStore,
  type JournalEntry,
  NonDeterminismError,
  sleep,
  task,
  UsageError,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

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
