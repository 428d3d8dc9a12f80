// The concurrency limit object (worker/limits/object.ts) in workerd: FIFO hand-off by RPC,
// CANCEL_NEW, a rate limit's decay, changes while in use, the grant outbox, lease expiry, and
// the D1 catalogue row. Runs are stood in for by a fake (`holderCalls`), except in the last
// test, which calls a real run object. Time is the helpers' fake clock; alarms are fired with
// runDurableObjectAlarm once the clock has passed them.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SlotRequest } from "../../runtime/limits/port.ts";
import { FlowRunObject } from "../flow_run.ts";
import { GrantOutbox } from "../limits/grant_outbox.ts";
import type { HolderCalls } from "../limits/holder_calls.ts";
import { type ConcurrencyLimitObject, leaseTtlMs } from "../limits/object.ts";
import type { LimitObjectRpc } from "../limits/rpc.ts";
import { migrateLimit } from "../limits/schema.ts";
import { LimitStore } from "../limits/store.ts";
import { testEnv, UNKNOWN_RUN, useFakeTime } from "./helpers.ts";

const clock = useFakeTime();
const TTL = leaseTtlMs(testEnv);

type Answer = boolean | "error";

/** Runs as the limit sees them: every call recorded, each answer chosen by lease id. */
class FakeRuns implements HolderCalls {
  readonly granted: string[] = [];
  readonly confirmed: string[] = [];
  readonly grantAnswers = new Map<string, Answer>();
  readonly confirmAnswers = new Map<string, Answer>();

  async slotGranted(_runId: string, leaseId: string): Promise<boolean> {
    this.granted.push(leaseId);
    return answer(this.grantAnswers.get(leaseId) ?? true);
  }

  async confirmLease(_runId: string, leaseId: string): Promise<boolean> {
    this.confirmed.push(leaseId);
    return answer(this.confirmAnswers.get(leaseId) ?? true);
  }
}

function answer(value: Answer): boolean {
  if (value === "error") throw new Error("the run's object could not be reached");
  return value;
}

function stubOf(name: string): DurableObjectStub<ConcurrencyLimitObject> {
  const ns = testEnv.CONCURRENCY_LIMITS;
  return ns.get(ns.idFromName(name)) as unknown as DurableObjectStub<ConcurrencyLimitObject>;
}

/** A fresh limit `name` (created with `limit` slots) whose runs are a fake. */
async function limitOf(
  limit: number,
  slotDecayPerSecond = 0,
): Promise<{ name: string; rpc: LimitObjectRpc; runs: FakeRuns; stub: DurableObjectStub }> {
  const name = `limit-${crypto.randomUUID()}`;
  const stub = stubOf(name);
  const runs = new FakeRuns();
  await runInDurableObject(stub, (object) => {
    (object as unknown as ConcurrencyLimitObject).holderCalls = runs;
  });
  const rpc = stub as unknown as LimitObjectRpc;
  await rpc.configure({ name, limit, slotDecayPerSecond, create: true });
  return { name, rpc, runs, stub };
}

function request(name: string, leaseId: string, overrides: Partial<SlotRequest> = {}): SlotRequest {
  return {
    limit: name,
    leaseId,
    occupy: 1,
    kind: "hold",
    scope: "step",
    strategy: "ENQUEUE",
    holder: { runId: `run-${leaseId}`, stepId: "1", label: `task ${leaseId}` },
    ...overrides,
  };
}

/** Moves the fake clock past the alarm and fires it; false when no alarm was set. */
async function fireWhenDue(stub: DurableObjectStub): Promise<boolean> {
  const at = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
  if (at === null) return false;
  if (at > Date.now()) clock.set(at);
  return runDurableObjectAlarm(stub);
}

function holdersOf(rpc: LimitObjectRpc): Promise<string[]> {
  return rpc.view().then((v) => v?.holders.map((h) => h.leaseId) ?? []);
}

function pendingGrants(stub: DurableObjectStub) {
  return runInDurableObject(stub, (_o, state) => new GrantOutbox(state.storage).all());
}

describe("the concurrency limit object", () => {
  it("grants waiters first in, first out, telling each run at once", async () => {
    const { name, rpc, runs } = await limitOf(1);
    expect(await rpc.acquire(request(name, "a"))).toEqual({ status: "granted" });
    for (const [i, id] of ["b", "c", "d"].entries()) {
      expect(await rpc.acquire(request(name, id))).toEqual({
        status: "waiting",
        position: i + 1,
        held: 1,
        limit: 1,
      });
    }
    for (const id of ["a", "b", "c"]) await rpc.release(id);
    expect(runs.granted).toEqual(["b", "c", "d"]);
    expect(await holdersOf(rpc)).toEqual(["d"]);
  });

  it("refuses a CANCEL_NEW request when no slot is free", async () => {
    const { name, rpc } = await limitOf(1);
    await rpc.acquire(request(name, "a"));
    expect(await rpc.acquire(request(name, "b", { strategy: "CANCEL_NEW" }))).toEqual({
      status: "refused",
      held: 1,
      limit: 1,
      reason: `Concurrency limit '${name}' reached (1/1 slots held)`,
    });
    expect((await rpc.view())?.waiters).toEqual([]);
  });

  it("is idempotent by lease id, and a double release is harmless", async () => {
    const { name, rpc, runs } = await limitOf(1);
    await rpc.acquire(request(name, "a"));
    expect(await rpc.acquire(request(name, "a"))).toEqual({ status: "granted" });
    await rpc.acquire(request(name, "b"));
    expect(await rpc.acquire(request(name, "b"))).toMatchObject({ status: "waiting", position: 1 });
    expect(await rpc.release("a")).toEqual({ released: true });
    expect(await rpc.release("a")).toEqual({ released: false });
    expect(runs.granted).toEqual(["b"]);
    expect((await rpc.view())?.slotsHeld).toBe(1);
  });

  it("a missing limit answers none; a declared one is created with its catalogue row", async () => {
    const name = `declared-${crypto.randomUUID()}`;
    const rpc = stubOf(name) as unknown as LimitObjectRpc;
    expect(await rpc.acquire(request(name, "a"))).toEqual({ status: "none" });
    expect(await rpc.view()).toBeUndefined();
    const declared = request(name, "b", { declare: { limit: 2, enforce: true } });
    expect(await rpc.acquire(declared)).toEqual({ status: "granted" });
    const row = await testEnv.DB.prepare("SELECT * FROM concurrency_limits WHERE name = ?")
      .bind(name)
      .first();
    expect(row).toMatchObject({ name, limit_value: 2, active: 1, slot_decay_per_second: 0 });
  });

  it("admits a rate limit's waiters when its slots have decayed, by the alarm", async () => {
    const { name, rpc, runs, stub } = await limitOf(2, 1); // 1 slot a second
    const rate = (id: string) => request(name, id, { kind: "rate" });
    expect(await rpc.acquire(rate("a"))).toEqual({ status: "granted" });
    expect(await rpc.acquire(rate("b"))).toEqual({ status: "granted" });
    expect(await rpc.acquire(rate("c"))).toMatchObject({ status: "waiting" });
    const start = Date.now();
    const at = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(at).toBe(start + 1000);
    expect(await fireWhenDue(stub)).toBe(true);
    expect(runs.granted).toEqual(["c"]);
    // Asking again after the grant (a woken run) answers granted without taking more.
    expect(await rpc.acquire(rate("c"))).toEqual({ status: "granted" });
    expect((await rpc.view())?.slotsHeld).toBeCloseTo(2, 6);
  });

  it("raising admits at once, lowering lets holders finish, reset frees everything", async () => {
    const { name, rpc, runs } = await limitOf(1);
    for (const id of ["a", "b", "c", "d"]) await rpc.acquire(request(name, id));
    await rpc.configure({ name, limit: 2 });
    expect(runs.granted).toEqual(["b"]);
    await rpc.configure({ name, limit: 1 });
    expect(await holdersOf(rpc)).toEqual(["a", "b"]);
    await rpc.release("a");
    expect(runs.granted).toEqual(["b"]); // 1/1 held: c still waits
    const reset = await rpc.reset();
    expect(reset?.holders.map((h) => h.leaseId)).toEqual(["c"]);
    expect(runs.granted).toEqual(["b", "c"]);
  });

  it("remove grants every waiter and deletes the catalogue row", async () => {
    const { name, rpc, runs } = await limitOf(1);
    const rowCount = async () =>
      (
        await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM concurrency_limits WHERE name = ?")
          .bind(name)
          .first<{ n: number }>()
      )?.n;
    expect(await rowCount()).toBe(1);
    for (const id of ["a", "b", "c"]) await rpc.acquire(request(name, id));
    expect(await rpc.remove()).toEqual({ removed: true, admitted: 2 });
    expect(runs.granted).toEqual(["b", "c"]);
    expect(await rowCount()).toBe(0);
    expect(await rpc.view()).toBeUndefined();
    expect(await rpc.remove()).toEqual({ removed: false, admitted: 0 });
    expect(await rpc.configure({ name, limit: 3 })).toBeUndefined();
  });

  it("configure writes the catalogue row on every change", async () => {
    const { name, rpc } = await limitOf(1);
    await rpc.configure({ name, limit: 4, active: false, slotDecayPerSecond: 0.5 });
    const row = await testEnv.DB.prepare("SELECT * FROM concurrency_limits WHERE name = ?")
      .bind(name)
      .first();
    expect(row).toMatchObject({ limit_value: 4, active: 0, slot_decay_per_second: 0.5 });
  });

  it("a run that answers false to its grant frees the slot for the next", async () => {
    const { name, rpc, runs } = await limitOf(1);
    for (const id of ["a", "b", "c"]) await rpc.acquire(request(name, id));
    runs.grantAnswers.set("b", false);
    await rpc.release("a");
    expect(runs.granted).toEqual(["b", "c"]);
    expect(await holdersOf(rpc)).toEqual(["c"]);
  });

  it("a grant that cannot be delivered stays in the outbox and is retried by the alarm", async () => {
    const { name, rpc, runs, stub } = await limitOf(1);
    for (const id of ["a", "b"]) await rpc.acquire(request(name, id));
    runs.grantAnswers.set("b", "error");
    await rpc.release("a");
    expect(await pendingGrants(stub)).toMatchObject([{ leaseId: "b", attempts: 1 }]);
    expect(await holdersOf(rpc)).toEqual(["b"]);
    runs.grantAnswers.set("b", true);
    expect(await fireWhenDue(stub)).toBe(true);
    expect(runs.granted).toEqual(["b", "b"]);
    expect(await pendingGrants(stub)).toEqual([]);
  });

  it("an expired lease whose holder no longer holds it is freed, and the next granted", async () => {
    const { name, rpc, runs, stub } = await limitOf(1);
    for (const id of ["a", "b"]) await rpc.acquire(request(name, id));
    const expiresAt = (await rpc.view())?.holders[0]?.expiresAt as number;
    expect(expiresAt).toBe(Date.now() + TTL);
    runs.confirmAnswers.set("a", false);
    expect(await fireWhenDue(stub)).toBe(true);
    expect(runs.confirmed).toEqual(["a"]);
    expect(runs.granted).toEqual(["b"]);
    expect(await holdersOf(rpc)).toEqual(["b"]);
  });

  it("an expired lease is renewed when confirmed, freed after three unanswered asks", async () => {
    const { name, rpc, runs, stub } = await limitOf(1);
    for (const id of ["a", "b"]) await rpc.acquire(request(name, id));
    expect(await fireWhenDue(stub)).toBe(true);
    expect(runs.confirmed).toEqual(["a"]);
    expect((await rpc.view())?.holders[0]?.expiresAt).toBe(Date.now() + TTL);
    runs.confirmAnswers.set("a", "error");
    for (let i = 0; i < 3; i++) expect(await fireWhenDue(stub)).toBe(true);
    expect(runs.confirmed).toEqual(["a", "a", "a", "a"]);
    expect(runs.granted).toEqual(["b"]);
    expect(await holdersOf(rpc)).toEqual(["b"]);
  });

  it("renew pushes held leases on and answers which are held", async () => {
    const { name, rpc } = await limitOf(1);
    await rpc.acquire(request(name, "a"));
    clock.advance(10_000);
    expect(await rpc.renew(["a", "nope"])).toEqual({ held: ["a"] });
    expect((await rpc.view())?.holders[0]?.expiresAt).toBe(Date.now() + TTL);
  });

  it("keeps everything in SQLite: a book loaded again is the same, schema applied twice", async () => {
    const { name, rpc, stub } = await limitOf(2);
    for (const id of ["a", "b", "c", "d"]) await rpc.acquire(request(name, id));
    await rpc.release("a");
    const live = await rpc.view();
    const loaded = await runInDurableObject(stub, (_o, state) => {
      migrateLimit(state.storage);
      const store = new LimitStore(state.storage, new GrantOutbox(state.storage));
      return store.load(TTL).view(Date.now());
    });
    expect(loaded).toEqual(live);
    expect(loaded?.waiters.map((w) => w.leaseId)).toEqual(["d"]);
  });

  it("a grant to a run object that holds no run: refused and freed, or retried", async () => {
    const name = `real-${crypto.randomUUID()}`;
    const stub = stubOf(name);
    const rpc = stub as unknown as LimitObjectRpc;
    await rpc.configure({ name, limit: 1, create: true });
    await rpc.acquire(request(name, "a"));
    await rpc.acquire(request(name, "b", { holder: { runId: UNKNOWN_RUN, label: "nobody" } }));
    await rpc.release("a");
    if ("slotGranted" in FlowRunObject.prototype) {
      // The run object answers false: it holds no run, so it wants no slot.
      expect(await holdersOf(rpc)).toEqual([]);
      expect(await pendingGrants(stub)).toEqual([]);
    } else {
      // Until run objects answer slotGranted, the call fails and the grant waits in the outbox.
      expect(await pendingGrants(stub)).toMatchObject([{ leaseId: "b", attempts: 1 }]);
    }
  });
});
