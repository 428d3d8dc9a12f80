import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  all,
  concurrency,
  flow,
  InMemoryConcurrency,
  InMemoryJournal,
  inspectRun,
  type Journal,
  rateLimit,
  task,
  waitForEvent,
} from "./host.ts";
import { eventually } from "./testing/eventually.ts";
import { FakeClock } from "./testing/fake_clock.ts";

function setup() {
  const journal = new InMemoryJournal({ serialize: true });
  const limits = new InMemoryConcurrency();
  return { journal, limits, opts: { journal, limits, console: false } as const };
}

/** The run's current state name, from its journal. */
async function stateOf(journal: Journal, runId: string): Promise<string | undefined> {
  if ((await journal.read(runId)).length === 0) return undefined;
  return (await inspectRun(journal, runId)).state?.name;
}

const noop = task({ name: "noop" }, async (n: number) => n);

describe("concurrency()", () => {
  const held = flow({ name: "held-db" }, async function* (params: { id: number }) {
    return yield* concurrency("db", { limit: 1 }, async function* () {
      const n = yield* noop(params.id);
      yield* waitForEvent("done");
      return n;
    });
  });

  test("a second run waits in line, FIFO, and gets the slot when the first gives it back", async () => {
    const { journal, limits, opts } = setup();
    const a = held.start({ id: 1 }, opts);
    await eventually(async () => limits.view("db")?.holders.length === 1, "run a holds db");
    const b = held.start({ id: 2 }, opts);
    const c = held.start({ id: 3 }, opts);
    await eventually(async () => limits.view("db")?.waiters.length === 2, "b and c wait");
    assert.deepEqual(
      limits.view("db")?.waiters.map((w) => w.runId),
      [b.runId, c.runId],
    );
    const bView = await inspectRun(journal, b.runId);
    const acquire = bView.steps.find((s) => s.kind === "slot");
    assert.equal(acquire?.state.name, "AwaitingConcurrencySlot");
    assert.equal(acquire?.state.message, "Waiting for concurrency limit 'db' (1/1 slots held)");
    await a.sendEvent("done");
    assert.equal(await a.result(), 1);
    await eventually(async () => limits.view("db")?.holders[0]?.runId === b.runId, "b holds db");
    await b.sendEvent("done");
    await eventually(async () => limits.view("db")?.holders[0]?.runId === c.runId, "c holds db");
    await c.sendEvent("done");
    assert.deepEqual(await Promise.all([b.result(), c.result()]), [2, 3]);
    assert.equal(limits.view("db")?.slotsHeld, 0);
    assert.equal(limits.view("db")?.waiters.length, 0);
  });

  test("a run cancelled while it waits leaves the line", async () => {
    const { limits, opts } = setup();
    const a = held.start({ id: 1 }, opts);
    await eventually(async () => limits.view("db")?.holders.length === 1, "a holds db");
    const b = held.start({ id: 2 }, opts);
    await eventually(async () => limits.view("db")?.waiters.length === 1, "b waits");
    await b.cancel("no longer needed");
    assert.equal((await b.finalState()).name, "Cancelled");
    assert.equal(limits.view("db")?.waiters.length, 0);
    await a.sendEvent("done");
    await a.result();
    assert.equal(limits.view("db")?.slotsHeld, 0);
  });

  test("the slot is given back when the body fails", async () => {
    const { limits, opts } = setup();
    const boom = task({ name: "boom" }, async () => {
      throw new Error("boom");
    });
    const failing = flow({ name: "failing-in-group" }, async function* () {
      yield* concurrency("db", async function* () {
        yield* boom();
      });
    });
    const state = await failing.run(undefined, { ...opts, returnState: true });
    assert.equal(state.name, "Failed");
    assert.equal(limits.view("db")?.slotsHeld, 0);
  });

  test("strict fails on a missing limit instead of creating it", async () => {
    const { limits, opts } = setup();
    const strict = flow({ name: "strict-db" }, async function* () {
      yield* concurrency("nowhere", { strict: true }, async function* () {
        yield* noop(1);
      });
    });
    const state = await strict.run(undefined, { ...opts, returnState: true });
    assert.equal(state.name, "Failed");
    assert.match(state.message ?? "", /Concurrency limit 'nowhere' does not exist/);
    assert.equal(limits.view("nowhere"), undefined);
  });

  test("a run suspended in line resumes once granted (suspend mode)", async () => {
    const { journal, limits } = setup();
    const opts = { journal, limits, console: false, mode: "suspend" } as const;
    const a = held.start({ id: 1 }, opts);
    assert.equal((await a.execution).status, "suspended");
    const b = held.start({ id: 2 }, opts);
    const suspended = await b.execution;
    assert.deepEqual(suspended, { status: "suspended" });
    assert.equal(limits.view("db")?.waiters[0]?.runId, b.runId);
    // a gets its event and finishes: its slot goes to b, which is resumed (as a host would).
    await a.sendEvent("done");
    const resumedA = held.resume(a.runId, opts);
    assert.equal((await resumedA.execution).status, "finished");
    assert.equal(limits.view("db")?.holders[0]?.runId, b.runId);
    await b.sendEvent("done");
    assert.equal(await held.resume(b.runId, opts).result(), 2);
    assert.equal(limits.view("db")?.slotsHeld, 0);
  });
});

describe("tag limits", () => {
  test("task runs carrying a limited tag run at most `limit` at once, across runs", async () => {
    const { limits, opts } = setup();
    limits.set("warehouse", { limit: 2 });
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const load = task({ name: "load", tags: ["warehouse"] }, async (n: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
      return n;
    });
    const etl = flow({ name: "tagged-etl" }, async function* () {
      const handles = [];
      for (let i = 0; i < 3; i++) handles.push(yield* load.submit(i));
      return yield* all(handles);
    });
    const one = etl.start(undefined, opts);
    const two = etl.start(undefined, opts);
    await eventually(() => running === 2, "two loads run");
    await eventually(async () => limits.view("warehouse")?.waiters.length === 4, "four wait");
    for (let released = 0; released < 6; released++) {
      await eventually(() => release.length > 0, "a load waits to be let go");
      release.shift()?.();
    }
    assert.deepEqual(await one.result(), [0, 1, 2]);
    assert.deepEqual(await two.result(), [0, 1, 2]);
    assert.equal(most, 2);
    assert.equal(limits.view("warehouse")?.slotsHeld, 0);
  });

  test("a task takes its flow run's tags, and waits with state AwaitingConcurrencySlot", async () => {
    const { journal, limits, opts } = setup();
    limits.set("nightly", { limit: 1 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const slow = task({ name: "slow" }, async () => {
      await gate;
      return 1;
    });
    const f = flow({ name: "run-tagged" }, async function* () {
      return yield* slow();
    });
    const a = f.start(undefined, { ...opts, tags: ["nightly"] });
    await eventually(async () => limits.view("nightly")?.holders.length === 1, "a's task holds");
    const b = f.start(undefined, { ...opts, tags: ["nightly"] });
    await eventually(async () => limits.view("nightly")?.waiters.length === 1, "b's task waits");
    const view = await inspectRun(journal, b.runId);
    assert.equal(view.steps[0]?.state.name, "AwaitingConcurrencySlot");
    assert.equal(
      view.steps[0]?.state.message,
      "Waiting for concurrency limit 'nightly' (1/1 slots held)",
    );
    assert.equal(await stateOf(journal, b.runId), "Running");
    open();
    assert.equal(await a.result(), 1);
    assert.equal(await b.result(), 1);
    assert.equal(limits.view("nightly")?.slotsHeld, 0);
  });

  test("a tag limit of 0 fails the task run, naming the limit", async () => {
    const { limits, opts } = setup();
    limits.set("frozen", { limit: 0 });
    const t = task({ name: "frozen-task", tags: ["frozen"], retries: 2 }, async () => 1);
    const f = flow({ name: "frozen-flow" }, async function* () {
      return yield* t();
    });
    const state = await f.run(undefined, { ...opts, returnState: true });
    assert.equal(state.name, "Failed");
    assert.match(state.message ?? "", /frozen/);
  });

  test("tags that are not limits cost nothing and limit nothing", async () => {
    const { limits, opts } = setup();
    const t = task({ name: "free", tags: ["not-a-limit"] }, async (n: number) => n * 2);
    const f = flow({ name: "free-flow" }, async function* () {
      return yield* t(21);
    });
    assert.equal(await f.run(undefined, opts), 42);
    assert.equal(limits.view("not-a-limit"), undefined);
  });
});

describe("flow limits", () => {
  const perCustomer = flow(
    {
      name: "per-customer",
      concurrency: { limit: 1, key: (p: { customer: string }) => p.customer },
    },
    async function* (params: { customer: string }) {
      yield* waitForEvent("done");
      return params.customer;
    },
  );

  test("a keyed limit holds runs per parameter value", async () => {
    const { journal, limits, opts } = setup();
    const a = perCustomer.start({ customer: "acme" }, opts);
    await eventually(
      async () => limits.view("flow:per-customer:acme")?.holders.length === 1,
      "acme's first run holds",
    );
    const b = perCustomer.start({ customer: "acme" }, opts);
    const c = perCustomer.start({ customer: "globex" }, opts);
    await eventually(
      async () => limits.view("flow:per-customer:acme")?.waiters.length === 1,
      "acme's second run waits",
    );
    await eventually(async () => (await stateOf(journal, c.runId)) === "Running", "globex runs");
    assert.equal(await stateOf(journal, b.runId), "AwaitingConcurrencySlot");
    const bView = await inspectRun(journal, b.runId);
    assert.equal(
      bView.state?.message,
      "Waiting for concurrency limit 'flow:per-customer:acme' (1/1 slots held)",
    );
    await a.sendEvent("done");
    await a.result();
    await eventually(async () => (await stateOf(journal, b.runId)) === "Running", "b starts");
    await b.sendEvent("done");
    await c.sendEvent("done");
    assert.deepEqual(await Promise.all([b.result(), c.result()]), ["acme", "globex"]);
    assert.equal(limits.view("flow:per-customer:acme")?.slotsHeld, 0);
  });

  test("CANCEL_NEW cancels a run that finds no free slot, naming the limit", async () => {
    const { limits, opts } = setup();
    const single = flow(
      { name: "single", concurrency: { limit: 1, strategy: "CANCEL_NEW" } },
      async function* () {
        yield* waitForEvent("done");
        return "ok";
      },
    );
    const a = single.start(undefined, opts);
    await eventually(async () => limits.view("flow:single")?.holders.length === 1, "a holds");
    const b = await single.run(undefined, { ...opts, returnState: true });
    assert.equal(b.name, "Cancelled");
    assert.match(b.message ?? "", /flow:single/);
    await a.sendEvent("done");
    assert.equal(await a.result(), "ok");
    assert.equal(limits.view("flow:single")?.slotsHeld, 0);
  });

  test("a key that cannot be computed fails the run with a clear message", async () => {
    const { opts } = setup();
    const bad = flow(
      {
        name: "bad-key",
        concurrency: {
          limit: 1,
          key: () => {
            throw new Error("no customer");
          },
        },
      },
      async function* () {
        return yield* noop(1);
      },
    );
    const state = await bad.run(undefined, { ...opts, returnState: true });
    assert.equal(state.name, "Failed");
    assert.match(
      state.message ?? "",
      /Cannot compute the concurrency key of flow 'bad-key': no customer/,
    );
  });
});

describe("rateLimit()", () => {
  test("slots decay: the third call waits until one has freed", async () => {
    const clock = new FakeClock({ autoAdvance: true });
    const journal = new InMemoryJournal({ serialize: true });
    const limits = new InMemoryConcurrency({ clock });
    const times: number[] = [];
    const stamp = task({ name: "stamp" }, async () => {
      times.push(clock.now());
    });
    const f = flow({ name: "rated" }, async function* () {
      for (let i = 0; i < 4; i++) {
        yield* rateLimit("api", { limit: 2, slotDecayPerSecond: 1 });
        yield* stamp();
      }
    });
    const start = clock.now();
    await f.run(undefined, { journal, limits, clock, console: false });
    assert.equal(times.length, 4);
    assert.equal(times[0], start);
    assert.equal(times[1], start);
    assert.ok((times[2] ?? 0) - start >= 1000, `third at +${(times[2] ?? 0) - start} ms`);
    assert.ok((times[3] ?? 0) - start >= 2000, `fourth at +${(times[3] ?? 0) - start} ms`);
  });
});
