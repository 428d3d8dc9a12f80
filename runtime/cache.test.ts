import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type CacheEntry,
  type CacheStore,
  type Command,
  encode,
  flow,
  InMemoryCacheStore,
  InMemoryJournal,
  InMemoryLogStore,
  inspectRun,
  type RunView,
  type Step,
  type StepView,
  sha256Hex,
  sleep,
  task,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

const START = Date.UTC(2026, 0, 1);

/** An async cache store that remembers every key it was asked for and given. */
class RecordingCache implements CacheStore {
  readonly inner = new InMemoryCacheStore();
  readonly gets: string[] = [];
  readonly sets: [string, CacheEntry][] = [];
  async get(key: string): Promise<CacheEntry | undefined> {
    this.gets.push(key);
    return this.inner.get(key);
  }
  async set(key: string, entry: CacheEntry): Promise<void> {
    this.sets.push([key, entry]);
    this.inner.set(key, entry);
  }
  async delete(key: string): Promise<void> {
    this.inner.delete(key);
  }
}

let runCounter = 0;

/** Runs `body` as a flow with the given cache and clock; returns its result and task runs. */
async function runWith<R>(
  cache: CacheStore,
  body: () => Generator<Command, R, unknown>,
  options: { clock?: FakeClock; logs?: InMemoryLogStore; flowName?: string } = {},
): Promise<{ result: R; view: RunView; taskRuns: readonly StepView[]; runId: string }> {
  const journal = new InMemoryJournal({ serialize: true });
  const runId = `cache-run-${++runCounter}`;
  const f = flow({ name: options.flowName ?? "cache-flow" }, async function* () {
    return yield* body();
  });
  const result = (await f.run(
    {},
    {
      journal,
      cache,
      runId,
      clock: options.clock ?? new FakeClock({ start: START }),
      console: false,
      ...(options.logs === undefined ? {} : { logs: options.logs }),
    },
  )) as R;
  const view = await inspectRun(journal, runId);
  return { result, view, taskRuns: view.taskRuns, runId };
}

/** A one-step body. */
const one = <R>(makeStep: () => Step<R>) =>
  function* () {
    return yield* makeStep();
  };

/** A counted task function: returns `value-<n>` for its n-th call. */
function counted() {
  const calls: unknown[][] = [];
  const fn = (...args: unknown[]) => {
    calls.push(args);
    return `value-${calls.length}`;
  };
  return { fn, calls };
}

describe("InMemoryCacheStore", () => {
  test("stores, returns and deletes entries, and counts them", () => {
    const store = new InMemoryCacheStore();
    assert.equal(store.get("k"), undefined);
    assert.equal(store.size, 0);
    const entry = { value: { n: 1 }, createdAt: 5, expiresAt: 10 };
    store.set("k", entry);
    assert.deepEqual(store.get("k"), entry);
    assert.equal(store.size, 1);
    store.set("k", { value: 2, createdAt: 6 });
    assert.deepEqual(store.get("k"), { value: 2, createdAt: 6 });
    assert.equal(store.size, 1);
    store.delete("k");
    assert.equal(store.get("k"), undefined);
    assert.equal(store.size, 0);
  });
});

describe("sha256Hex", () => {
  test("gives the standard SHA-256 digests in lowercase hex", async () => {
    assert.equal(
      await sha256Hex(""),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assert.equal(
      await sha256Hex("abc"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  test("hashes text as UTF-8", async () => {
    assert.equal(
      await sha256Hex("é"),
      "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c",
    );
  });
});

describe("cache: true", () => {
  test("a second run with the same inputs is Cached and does not call the function", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const fetchFact = task({ name: "fetch-fact", cache: true }, (url: string) => fn(url));
    const logs = new InMemoryLogStore();

    const first = await runWith(
      cache,
      one(() => fetchFact("https://x")),
    );
    assert.equal(first.result, "value-1");
    assert.equal(first.taskRuns[0]?.state.name, "Completed");
    assert.equal(first.taskRuns[0]?.cached, false);
    assert.equal(cache.size, 1);

    const second = await runWith(
      cache,
      one(() => fetchFact("https://x")),
      { logs },
    );
    assert.equal(second.result, "value-1");
    assert.deepEqual(calls, [["https://x"]]);
    const taskRun = second.taskRuns[0];
    assert.ok(taskRun !== undefined);
    assert.equal(taskRun.state.type, "COMPLETED");
    assert.equal(taskRun.state.name, "Cached");
    assert.equal(taskRun.cached, true);
    assert.equal(taskRun.attempts, 1);
    assert.deepEqual(
      taskRun.stateHistory.map((s) => [s.type, s.name]),
      [
        ["RUNNING", "Running"],
        ["COMPLETED", "Cached"],
      ],
    );
    assert.equal(taskRun.result, "value-1");
    assert.equal(taskRun.runName, "fetch-fact-0");
    assert.deepEqual(logs.messages(second.runId, "0"), ["Finished in state Cached()"]);
    assert.equal(cache.size, 1);
  });

  test("a cached result comes back with its types (Date, Map, bigint)", async () => {
    const cache = new InMemoryCacheStore();
    let calls = 0;
    const load = task({ name: "load", cache: true }, () => {
      calls++;
      return { at: new Date(START), counts: new Map([["a", 1n]]) };
    });
    await runWith(
      cache,
      one(() => load()),
    );
    const { result, taskRuns } = await runWith(
      cache,
      one(() => load()),
    );
    assert.equal(calls, 1);
    assert.equal(taskRuns[0]?.state.name, "Cached");
    assert.ok(result.at instanceof Date);
    assert.equal(result.at.getTime(), START);
    assert.deepEqual(result.counts, new Map([["a", 1n]]));
  });

  test("different inputs miss", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const fetchFact = task({ name: "fetch-fact", cache: true }, (url: string, n: number) =>
      fn(url, n),
    );
    await runWith(
      cache,
      one(() => fetchFact("a", 1)),
    );
    const other = await runWith(
      cache,
      one(() => fetchFact("a", 2)),
    );
    assert.equal(other.result, "value-2");
    assert.equal(other.taskRuns[0]?.state.name, "Completed");
    const third = await runWith(
      cache,
      one(() => fetchFact("b", 1)),
    );
    assert.equal(third.result, "value-3");
    assert.deepEqual(calls, [
      ["a", 1],
      ["a", 2],
      ["b", 1],
    ]);
    assert.equal(cache.size, 3);
  });

  test("object inputs hit whatever the order of their keys", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const query = task({ name: "query", cache: true }, (q: object) => fn(q));
    await runWith(
      cache,
      one(() => query({ table: "t", limit: 10, where: { a: 1, b: 2 } })),
    );
    const again = await runWith(
      cache,
      one(() => query({ where: { b: 2, a: 1 }, limit: 10, table: "t" })),
    );
    assert.equal(again.taskRuns[0]?.state.name, "Cached");
    assert.equal(calls.length, 1);
    const other = await runWith(
      cache,
      one(() => query({ table: "t", limit: 11, where: {} })),
    );
    assert.equal(other.taskRuns[0]?.state.name, "Completed");
    assert.equal(calls.length, 2);
  });

  test("a repeated call within the same run is Cached too", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const square = task({ name: "square", cache: true }, (n: number) => fn(n));
    const { result, taskRuns } = await runWith(cache, function* () {
      return [yield* square(3), yield* square(4), yield* square(3)];
    });
    assert.deepEqual(result, ["value-1", "value-2", "value-1"]);
    assert.deepEqual(calls, [[3], [4]]);
    assert.deepEqual(
      taskRuns.map((t) => [t.runName, t.state.name]),
      [
        ["square-0", "Completed"],
        ["square-1", "Completed"],
        ["square-2", "Cached"],
      ],
    );
  });

  test("the default key is the task name and a SHA-256 of its identity and inputs", async () => {
    const cache = new RecordingCache();
    const fetchFact = task({ name: "fetch-fact", cache: true }, (url: string) => url.length);
    await runWith(
      cache,
      one(() => fetchFact("https://x")),
    );
    assert.equal(cache.gets.length, 1);
    assert.match(cache.gets[0] ?? "", /^fetch-fact:[0-9a-f]{64}$/);
    assert.deepEqual(
      cache.sets.map(([key]) => key),
      cache.gets,
    );
    assert.deepEqual(cache.sets[0]?.[1], { value: encode(9), createdAt: START });
  });

  test("another task with the same inputs misses", async () => {
    const cache = new InMemoryCacheStore();
    const a = counted();
    const b = counted();
    const ta = task({ name: "a", cache: true }, (n: number) => a.fn(n));
    const tb = task({ name: "b", cache: true }, (n: number) => b.fn(n));
    await runWith(
      cache,
      one(() => ta(1)),
    );
    const { taskRuns } = await runWith(
      cache,
      one(() => tb(1)),
    );
    assert.equal(taskRuns[0]?.state.name, "Completed");
    assert.equal(a.calls.length, 1);
    assert.equal(b.calls.length, 1);
  });

  test("the same task in another flow hits (the default key ignores the flow)", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const shared = task({ name: "shared", cache: true }, (n: number) => fn(n));
    await runWith(
      cache,
      one(() => shared(1)),
      { flowName: "first-flow" },
    );
    const { taskRuns } = await runWith(
      cache,
      one(() => shared(1)),
      { flowName: "other-flow" },
    );
    assert.equal(taskRuns[0]?.state.name, "Cached");
    assert.equal(calls.length, 1);
  });

  test("a version change misses; the same version hits", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const v1 = task({ name: "model", version: "1", cache: true }, (n: number) => fn(n));
    const v2 = v1.with({ version: "2" });
    await runWith(
      cache,
      one(() => v1(1)),
    );
    const afterChange = await runWith(
      cache,
      one(() => v2(1)),
    );
    assert.equal(afterChange.taskRuns[0]?.state.name, "Completed");
    assert.equal(afterChange.result, "value-2");
    const sameVersion = await runWith(
      cache,
      one(() => v1.with({ version: "1" })(1)),
    );
    assert.equal(sameVersion.taskRuns[0]?.state.name, "Cached");
    assert.equal(sameVersion.result, "value-1");
    const unversioned = await runWith(
      cache,
      one(() => v1.with({ version: undefined })(1)),
    );
    assert.equal(unversioned.taskRuns[0]?.state.name, "Completed");
    assert.equal(calls.length, 3);
  });

  test("tasks without cache neither read nor write the cache", async () => {
    const cache = new RecordingCache();
    const { fn, calls } = counted();
    const plain = task({ name: "plain" }, (n: number) => fn(n));
    await runWith(
      cache,
      one(() => plain(1)),
    );
    await runWith(
      cache,
      one(() => plain(1)),
    );
    assert.equal(calls.length, 2);
    assert.deepEqual(cache.gets, []);
    assert.deepEqual(cache.sets, []);
    const off = task({ name: "off", cache: false }, (n: number) => fn(n));
    await runWith(
      cache,
      one(() => off(1)),
    );
    assert.deepEqual(cache.gets, []);
  });

  test("a failed task run is not cached", async () => {
    const cache = new InMemoryCacheStore();
    let calls = 0;
    const fails = task({ name: "fails", cache: true }, (n: number) => {
      calls++;
      if (calls === 1) throw new Error(`bad ${n}`);
      return n;
    });
    const first = await runWith(cache, function* () {
      try {
        return yield* fails(1);
      } catch {
        return "failed";
      }
    });
    assert.equal(first.result, "failed");
    assert.equal(cache.size, 0);
    const second = await runWith(
      cache,
      one(() => fails(1)),
    );
    assert.equal(second.result, 1);
    assert.equal(second.taskRuns[0]?.state.name, "Completed");
    assert.equal(calls, 2);
    assert.equal(cache.size, 1);
  });

  test("a result that succeeds after retries is cached once", async () => {
    const cache = new RecordingCache();
    let calls = 0;
    const flaky = task({ name: "flaky", cache: true, retries: 2 }, () => {
      calls++;
      if (calls < 3) throw new Error("transient");
      return "finally";
    });
    await runWith(
      cache,
      one(() => flaky()),
    );
    const { taskRuns, result } = await runWith(
      cache,
      one(() => flaky()),
    );
    assert.equal(result, "finally");
    assert.equal(taskRuns[0]?.state.name, "Cached");
    assert.equal(calls, 3);
    assert.equal(cache.sets.length, 1);
  });
});

describe("cache expiration", () => {
  test('"1h": hits until the hour is up, then recomputes and renews the entry', async () => {
    const cache = new RecordingCache();
    const clock = new FakeClock({ start: START });
    const { fn, calls } = counted();
    const rates = task({ name: "rates", cache: { expiration: "1h" } }, (day: string) => fn(day));

    const first = await runWith(
      cache,
      one(() => rates("mon")),
      { clock },
    );
    assert.equal(first.result, "value-1");
    assert.deepEqual(cache.sets[0]?.[1], {
      value: "value-1",
      createdAt: START,
      expiresAt: START + 3_600_000,
    });

    await clock.advance(3_600_000 - 1);
    const stillFresh = await runWith(
      cache,
      one(() => rates("mon")),
      { clock },
    );
    assert.equal(stillFresh.taskRuns[0]?.state.name, "Cached");
    assert.equal(stillFresh.result, "value-1");
    assert.equal(calls.length, 1);

    await clock.advance(1);
    const expired = await runWith(
      cache,
      one(() => rates("mon")),
      { clock },
    );
    assert.equal(expired.taskRuns[0]?.state.name, "Completed");
    assert.equal(expired.result, "value-2");
    assert.equal(calls.length, 2);
    assert.deepEqual(cache.sets[1]?.[1], {
      value: "value-2",
      createdAt: START + 3_600_000,
      expiresAt: START + 7_200_000,
    });

    await clock.advance(1_800_000);
    const renewed = await runWith(
      cache,
      one(() => rates("mon")),
      { clock },
    );
    assert.equal(renewed.taskRuns[0]?.state.name, "Cached");
    assert.equal(renewed.result, "value-2");
    assert.equal(calls.length, 2);
  });

  test("a number expiration is seconds", async () => {
    const cache = new RecordingCache();
    const clock = new FakeClock({ start: START });
    const t = task({ name: "short", cache: { expiration: 30 } }, () => 1);
    await runWith(
      cache,
      one(() => t()),
      { clock },
    );
    assert.equal(cache.sets[0]?.[1].expiresAt, START + 30_000);
  });

  test("without expiration an entry never expires", async () => {
    const cache = new RecordingCache();
    const clock = new FakeClock({ start: START });
    const { fn, calls } = counted();
    const forever = task({ name: "forever", cache: true }, () => fn());
    await runWith(
      cache,
      one(() => forever()),
      { clock },
    );
    assert.equal("expiresAt" in (cache.sets[0]?.[1] ?? {}), false);
    await clock.advance(365 * 86_400_000);
    const later = await runWith(
      cache,
      one(() => forever()),
      { clock },
    );
    assert.equal(later.taskRuns[0]?.state.name, "Cached");
    assert.equal(calls.length, 1);
  });
});

describe("cache refresh", () => {
  test("refresh: true recomputes on a hit and overwrites the entry for later runs", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const report = task({ name: "report", cache: true }, (day: string) => fn(day));
    const fresh = report.with({ cache: { refresh: true } });

    assert.equal(
      (
        await runWith(
          cache,
          one(() => report("d")),
        )
      ).result,
      "value-1",
    );
    const refreshed = await runWith(
      cache,
      one(() => fresh("d")),
    );
    assert.equal(refreshed.result, "value-2");
    assert.equal(refreshed.taskRuns[0]?.state.name, "Completed");
    const refreshedAgain = await runWith(
      cache,
      one(() => fresh("d")),
    );
    assert.equal(refreshedAgain.result, "value-3");
    const after = await runWith(
      cache,
      one(() => report("d")),
    );
    assert.equal(after.taskRuns[0]?.state.name, "Cached");
    assert.equal(after.result, "value-3");
    assert.equal(calls.length, 3);
    assert.equal(cache.size, 1);
  });
});

describe("custom cache keys", () => {
  test("the key function gets the task, its inputs and the run, and decides hits", async () => {
    const cache = new RecordingCache();
    const seen: unknown[] = [];
    const { fn, calls } = counted();
    const fetchUser = task(
      {
        name: "fetch-user",
        version: "3",
        cache: {
          key: (ctx) => {
            seen.push(ctx);
            return `user:${ctx.args[0].id}`;
          },
        },
      },
      (user: { id: number; verbose: boolean }) => fn(user),
    );
    const first = await runWith(
      cache,
      one(() => fetchUser({ id: 7, verbose: false })),
    );
    assert.deepEqual(seen, [
      {
        taskName: "fetch-user",
        taskVersion: "3",
        args: [{ id: 7, verbose: false }],
        flowRunId: first.runId,
        flowName: "cache-flow",
      },
    ]);
    assert.deepEqual(
      cache.sets.map(([key]) => key),
      ["user:7"],
    );
    // Other inputs, same key: a hit.
    const second = await runWith(
      cache,
      one(() => fetchUser({ id: 7, verbose: true })),
    );
    assert.equal(second.taskRuns[0]?.state.name, "Cached");
    assert.equal(second.result, "value-1");
    const third = await runWith(
      cache,
      one(() => fetchUser({ id: 8, verbose: false })),
    );
    assert.equal(third.taskRuns[0]?.state.name, "Completed");
    assert.equal(calls.length, 2);
  });

  test("an async key function works", async () => {
    const cache = new InMemoryCacheStore();
    const { fn, calls } = counted();
    const t = task(
      { name: "async-key", cache: { key: async ({ args }) => `k-${args[0] % 2}` } },
      (n: number) => fn(n),
    );
    await runWith(
      cache,
      one(() => t(1)),
    );
    const { taskRuns } = await runWith(
      cache,
      one(() => t(3)),
    );
    assert.equal(taskRuns[0]?.state.name, "Cached");
    assert.equal(calls.length, 1);
  });

  test("a key function that returns undefined disables caching for that call", async () => {
    const cache = new RecordingCache();
    const { fn, calls } = counted();
    const t = task(
      {
        name: "maybe",
        cache: { key: ({ args }) => (args[0] === "skip" ? undefined : `maybe:${args[0]}`) },
      },
      (s: string) => fn(s),
    );
    const a = await runWith(
      cache,
      one(() => t("skip")),
    );
    const b = await runWith(
      cache,
      one(() => t("skip")),
    );
    assert.equal(a.taskRuns[0]?.state.name, "Completed");
    assert.equal(b.taskRuns[0]?.state.name, "Completed");
    assert.equal(calls.length, 2);
    assert.deepEqual(cache.gets, []);
    assert.deepEqual(cache.sets, []);
    await runWith(
      cache,
      one(() => t("keep")),
    );
    const c = await runWith(
      cache,
      one(() => t("keep")),
    );
    assert.equal(c.taskRuns[0]?.state.name, "Cached");
    assert.equal(calls.length, 3);
  });

  test("a key function that throws means no caching, with a warning, not a crash", async () => {
    const cache = new RecordingCache();
    const logs = new InMemoryLogStore();
    const { fn, calls } = counted();
    const t = task(
      {
        name: "bad-key",
        cache: {
          key: () => {
            throw new Error("key bug");
          },
        },
      },
      () => fn(),
    );
    const { result, taskRuns, view, runId } = await runWith(
      cache,
      one(() => t()),
      { logs },
    );
    assert.equal(result, "value-1");
    assert.equal(view.state?.type, "COMPLETED");
    assert.equal(taskRuns[0]?.state.name, "Completed");
    assert.equal(calls.length, 1);
    assert.deepEqual(cache.sets, []);
    const warning = logs.records.find((r) => r.runId === runId && r.level === "WARNING");
    assert.equal(
      warning?.message,
      "Cannot compute the cache key: Error: key bug; running without the cache",
    );
    assert.equal(warning?.stepId, "0");
  });
});

describe("cache and replay", () => {
  test("a resumed run takes a step's result from its journal, not from the cache", async () => {
    const cache = new RecordingCache();
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ start: START });
    const { fn, calls } = counted();
    const compute = task({ name: "compute", cache: true }, () => fn());
    const waits = flow({ name: "waits" }, async function* () {
      const value = yield* compute();
      yield* sleep("1m");
      return value;
    });
    const options = { journal, clock, cache, console: false, mode: "suspend" } as const;
    const first = waits.start({}, { ...options, runId: "replay-1" });
    assert.equal((await first.execution).status, "suspended");
    const [key] = cache.sets[0] ?? [];
    assert.ok(key !== undefined);
    // Tamper with the cache: a replay that read it would return this.
    cache.inner.set(key, { value: "poisoned", createdAt: START });
    const getsBefore = cache.gets.length;
    await clock.advance(60_000);
    const resumed = waits.resume("replay-1", options);
    assert.equal(await resumed.result(), "value-1");
    assert.equal(calls.length, 1);
    assert.equal(cache.gets.length, getsBefore);
    const view = await inspectRun(journal, "replay-1");
    assert.equal(view.taskRuns[0]?.state.name, "Completed");
  });
});
