import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock } from "../testing/fake_clock.ts";
import { InMemoryConcurrency } from "./in_memory.ts";
import type { SlotRequest } from "./port.ts";

function request(leaseId: string, overrides: Partial<SlotRequest> = {}): SlotRequest {
  return {
    limit: "db",
    leaseId,
    occupy: 1,
    kind: "hold",
    scope: "step",
    strategy: "ENQUEUE",
    holder: { runId: "run-1", stepId: leaseId, label: `task-${leaseId}` },
    ...overrides,
  };
}

describe("InMemoryConcurrency", () => {
  test("waiters are granted in order through their callbacks", async () => {
    const limits = new InMemoryConcurrency({ clock: new FakeClock() });
    limits.set("db", { limit: 1 });
    const granted: string[] = [];
    const onGrant = (id: string) => granted.push(id);
    assert.equal((await limits.acquire(request("a"), onGrant)).status, "granted");
    assert.equal((await limits.acquire(request("b"), onGrant)).status, "waiting");
    assert.equal((await limits.acquire(request("c"), onGrant)).status, "waiting");
    assert.deepEqual(granted, []);
    await limits.release("db", "a");
    assert.deepEqual(granted, ["b"]);
    await limits.release("db", "b");
    await limits.release("db", "b"); // twice: harmless
    assert.deepEqual(granted, ["b", "c"]);
    await limits.release("db", "c");
    assert.equal(limits.view("db")?.slotsHeld, 0);
  });

  test("a waiter that leaves the line is never called", async () => {
    const limits = new InMemoryConcurrency({ clock: new FakeClock() });
    limits.set("db", { limit: 1 });
    const granted: string[] = [];
    await limits.acquire(request("a"), (id) => granted.push(id));
    await limits.acquire(request("b"), (id) => granted.push(id));
    await limits.release("db", "b");
    await limits.release("db", "a");
    assert.deepEqual(granted, []);
  });

  test("existing() names the active limits; unknown ones answer none", async () => {
    const limits = new InMemoryConcurrency({ clock: new FakeClock() });
    limits.set("db", { limit: 1 });
    limits.set("off", { limit: 1, active: false });
    assert.deepEqual([...limits.existing(["db", "off", "nope"])], ["db"]);
    assert.deepEqual(await limits.acquire(request("x", { limit: "nope" }), () => {}), {
      status: "none",
    });
    assert.deepEqual([...limits.existing(["nope"])], []);
  });

  test("raising a limit, reset and remove grant the waiters at once", async () => {
    const limits = new InMemoryConcurrency({ clock: new FakeClock() });
    limits.set("db", { limit: 1 });
    const granted: string[] = [];
    for (const id of ["a", "b", "c", "d"])
      await limits.acquire(request(id), (g) => granted.push(g));
    limits.set("db", { limit: 2 });
    assert.deepEqual(granted, ["b"]);
    limits.reset("db");
    assert.deepEqual(granted, ["b", "c", "d"]);
    await limits.acquire(request("e"), (g) => granted.push(g));
    assert.equal(limits.remove("db"), true);
    assert.deepEqual(granted, ["b", "c", "d", "e"]);
    assert.equal(limits.view("db"), undefined);
  });

  test("a rate limit admits its waiters by the clock as slots decay", async () => {
    const clock = new FakeClock();
    const limits = new InMemoryConcurrency({ clock });
    limits.set("api", { limit: 2, slotDecayPerSecond: 2 });
    const granted: string[] = [];
    const rate = (id: string) => request(id, { limit: "api", kind: "rate" });
    for (const id of ["a", "b", "c", "d"]) await limits.acquire(rate(id), (g) => granted.push(g));
    assert.deepEqual(granted, []);
    await clock.advance(499);
    assert.deepEqual(granted, []);
    await clock.advance(1);
    assert.deepEqual(granted, ["c"]);
    await clock.advance(500);
    assert.deepEqual(granted, ["c", "d"]);
    await clock.advance(1000);
    assert.equal(limits.view("api")?.slotsHeld, 0);
    assert.equal(clock.pending, 0);
  });

  test("a declared limit is created on first use", async () => {
    const limits = new InMemoryConcurrency({ clock: new FakeClock() });
    const declared = request("a", { limit: "flow:etl", declare: { limit: 1, enforce: true } });
    assert.equal((await limits.acquire(declared, () => {})).status, "granted");
    assert.equal(limits.view("flow:etl")?.limit, 1);
    assert.deepEqual(
      limits.list().map((l) => l.name),
      ["flow:etl"],
    );
  });
});
