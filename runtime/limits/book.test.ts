import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type Grant, LimitBook, MAX_CONFIRM_FAILURES } from "./book.ts";
import type { SlotRequest } from "./port.ts";

const T0 = Date.UTC(2026, 0, 1);
const TTL = 60_000;

function request(leaseId: string, overrides: Partial<SlotRequest> = {}): SlotRequest {
  return {
    limit: "db",
    leaseId,
    occupy: 1,
    kind: "hold",
    scope: "step",
    strategy: "ENQUEUE",
    holder: { runId: `run-${leaseId}`, stepId: "1", label: `task-${leaseId}` },
    ...overrides,
  };
}

function bookWith(limit: number, slotDecayPerSecond = 0): LimitBook {
  const book = new LimitBook({ leaseTtlMs: TTL });
  book.create("db", { limit, active: true, slotDecayPerSecond }, T0);
  return book;
}

const ids = (grants: readonly Grant[]) => grants.map((g) => g.leaseId);

describe("LimitBook", () => {
  test("a missing limit answers none; a declared one is created", () => {
    const book = new LimitBook();
    assert.deepEqual(book.acquire(request("a"), T0).answer, { status: "none" });
    const declared = request("b", { declare: { limit: 1, enforce: false } });
    assert.deepEqual(book.acquire(declared, T0).answer, { status: "granted" });
    assert.equal(book.config?.limit, 1);
    assert.deepEqual(book.takeChanges(), { meta: true, config: true, leases: ["b"] });
  });

  test("grants while slots are free, then queues first in, first out", () => {
    const book = bookWith(2);
    assert.equal(book.acquire(request("a"), T0).answer.status, "granted");
    assert.equal(book.acquire(request("b"), T0).answer.status, "granted");
    assert.deepEqual(book.acquire(request("c"), T0).answer, {
      status: "waiting",
      position: 1,
      held: 2,
      limit: 2,
    });
    assert.deepEqual(book.acquire(request("d"), T0).answer, {
      status: "waiting",
      position: 2,
      held: 2,
      limit: 2,
    });
    // Idempotent: asking again answers for the same lease.
    assert.equal(book.acquire(request("a"), T0).answer.status, "granted");
    assert.equal(book.acquire(request("d"), T0).answer.status, "waiting");
    assert.deepEqual(ids(book.release("b", T0).grants), ["c"]);
    assert.deepEqual(ids(book.release("a", T0).grants), ["d"]);
    assert.deepEqual(book.release("a", T0), { released: false, grants: [] });
    assert.deepEqual(
      book.view(T0)?.holders.map((h) => h.leaseId),
      ["c", "d"],
    );
  });

  test("a new request never overtakes the line, even when it would fit", () => {
    const book = bookWith(3);
    book.acquire(request("a", { occupy: 2 }), T0);
    assert.equal(book.acquire(request("big", { occupy: 2 }), T0).answer.status, "waiting");
    assert.equal(book.acquire(request("small"), T0).answer.status, "waiting");
    assert.deepEqual(ids(book.release("a", T0).grants), ["big", "small"]);
  });

  test("CANCEL_NEW is refused with the limit and its slots in the reason", () => {
    const book = bookWith(1);
    book.acquire(request("a"), T0);
    const { answer } = book.acquire(request("b", { strategy: "CANCEL_NEW" }), T0);
    assert.deepEqual(answer, {
      status: "refused",
      held: 1,
      limit: 1,
      reason: "Concurrency limit 'db' reached (1/1 slots held)",
    });
    assert.equal(book.view(T0)?.waiters.length, 0);
  });

  test("occupying more than the limit is refused; so is a non-integer", () => {
    const book = bookWith(2);
    const over = book.acquire(request("a", { occupy: 3 }), T0).answer;
    assert.equal(over.status, "refused");
    assert.match(over.status === "refused" ? over.reason : "", /2 slots; 3 can never be held/);
    assert.equal(book.acquire(request("b", { occupy: 1.5 }), T0).answer.status, "refused");
  });

  test("an inactive limit holds nobody back, and deactivating admits the line", () => {
    const book = bookWith(1);
    book.acquire(request("a"), T0);
    book.acquire(request("b"), T0);
    assert.deepEqual(ids(book.configure({ active: false }, T0)?.grants ?? []), ["b"]);
    assert.deepEqual(book.acquire(request("c"), T0).answer, { status: "none" });
  });

  test("raising admits at once, lowering lets holders finish", () => {
    const book = bookWith(1);
    for (const id of ["a", "b", "c"]) book.acquire(request(id), T0);
    assert.deepEqual(ids(book.configure({ limit: 2 }, T0)?.grants ?? []), ["b"]);
    assert.deepEqual(book.configure({ limit: 1 }, T0)?.grants, []);
    assert.equal(book.slotsHeld(T0), 2);
    assert.deepEqual(book.release("a", T0).grants, []);
    assert.deepEqual(ids(book.release("b", T0).grants), ["c"]);
  });

  test("an enforced declaration replaces the stored limit", () => {
    const book = bookWith(1);
    book.acquire(request("a"), T0);
    book.acquire(request("b"), T0);
    const declared = request("c", { declare: { limit: 3, enforce: true } });
    const { answer, grants } = book.acquire(declared, T0);
    assert.deepEqual(ids(grants), ["b"]);
    assert.equal(answer.status, "granted");
    assert.equal(book.config?.limit, 3);
    // Not enforced: the stored value stays.
    book.acquire(request("d", { declare: { limit: 10, enforce: false } }), T0);
    assert.equal(book.config?.limit, 3);
  });

  test("reset frees every holder and admits the line; remove grants everyone", () => {
    const book = bookWith(1);
    for (const id of ["a", "b", "c"]) book.acquire(request(id), T0);
    const reset = book.reset(T0);
    assert.deepEqual(
      reset.freed.map((h) => h.leaseId),
      ["a"],
    );
    assert.deepEqual(ids(reset.grants), ["b"]);
    const removed = book.remove(T0);
    assert.deepEqual(ids(removed.grants), ["c"]);
    assert.equal(book.view(T0), undefined);
    assert.deepEqual(book.acquire(request("d"), T0).answer, { status: "none" });
  });

  test("a rate limit's slots decay, and the line is admitted when they have", () => {
    const book = bookWith(2, 1); // 1 slot per second
    const rate = (id: string) => request(id, { kind: "rate" });
    assert.equal(book.acquire(rate("a"), T0).answer.status, "granted");
    assert.equal(book.acquire(rate("b"), T0).answer.status, "granted");
    assert.equal(book.slotsHeld(T0), 2);
    assert.equal(book.acquire(rate("a"), T0).answer.status, "granted", "remembered");
    assert.equal(book.acquire(rate("c"), T0).answer.status, "waiting");
    assert.equal(book.nextDueAt(T0), T0 + 1000);
    assert.deepEqual(book.admit(T0 + 999), []);
    assert.deepEqual(ids(book.admit(T0 + 1000)), ["c"]);
    assert.ok(Math.abs(book.slotsHeld(T0 + 1000) - 2) < 1e-6);
    assert.equal(book.slotsHeld(T0 + 3000), 0);
  });

  test("a held lease released on a rate limit decays before it is free", () => {
    const book = bookWith(1, 2); // 2 slots per second
    book.acquire(request("a"), T0);
    book.acquire(request("b"), T0);
    assert.deepEqual(book.release("a", T0).grants, []);
    assert.equal(book.nextDueAt(T0), T0 + 500);
    assert.deepEqual(ids(book.admit(T0 + 500)), ["b"]);
  });

  test("expired leases: renewed by a confirmation, freed after three failures", () => {
    const book = bookWith(1);
    book.acquire(request("a"), T0);
    book.acquire(request("b"), T0);
    assert.equal(book.nextDueAt(T0), T0 + TTL);
    assert.deepEqual(book.expired(T0 + TTL - 1), []);
    assert.deepEqual(
      book.expired(T0 + TTL).map((h) => h.leaseId),
      ["a"],
    );
    assert.equal(book.renew("a", T0 + TTL), true);
    let now = T0 + 2 * TTL;
    for (let i = 1; i < MAX_CONFIRM_FAILURES; i++) {
      assert.deepEqual(book.unconfirmed("a", now), { freed: false, grants: [] });
      now += TTL;
    }
    const last = book.unconfirmed("a", now);
    assert.equal(last.freed, true);
    assert.deepEqual(ids(last.grants), ["b"]);
  });

  test("state() rebuilds the same book, line order included", () => {
    const book = bookWith(1);
    for (const id of ["a", "b", "c"]) book.acquire(request(id), T0);
    const copy = new LimitBook({ state: book.state(), leaseTtlMs: TTL });
    assert.deepEqual(copy.view(T0), book.view(T0));
    assert.deepEqual(ids(copy.release("a", T0).grants), ["b"]);
  });
});

type Op =
  | { kind: "acquire"; lease: number; occupy: number; cancelNew: boolean }
  | { kind: "release"; lease: number }
  | { kind: "configure"; limit: number; active: boolean }
  | { kind: "reset" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      lease: fc.nat(11),
      occupy: fc.integer({ min: 1, max: 3 }),
      cancelNew: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("release" as const), lease: fc.nat(11) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("configure" as const),
      limit: fc.integer({ min: 0, max: 5 }),
      active: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const) }) },
);

describe("LimitBook under random operations", () => {
  test("never over the limit when granting, first in first out, nothing held at the end", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { minLength: 1000, maxLength: 1000 }),
        (limit, ops) => {
          const book = bookWith(limit);
          // The model of the line: lease ids in the order they were queued.
          let line: string[] = [];
          const granted = new Set<string>();
          const held = () => (book.view(T0)?.holders ?? []).reduce((n, h) => n + h.occupy, 0);
          const checkGrants = (grants: readonly Grant[]) => {
            for (const g of grants) {
              assert.equal(g.leaseId, line[0], "granted out of order");
              line = line.slice(1);
            }
            const config = book.config;
            // A grant happens only when it fits (an inactive limit admits anyone).
            if (grants.length > 0 && config?.active) assert.ok(held() <= config.limit);
            // Nobody waits while the head of the line would fit.
            const head = book.view(T0)?.waiters[0];
            if (head !== undefined && config !== undefined) {
              assert.ok(config.active && held() + head.occupy > config.limit, "head would fit");
            }
            assert.deepEqual(
              book.view(T0)?.waiters.map((w) => w.leaseId),
              line,
            );
          };
          for (const o of ops) {
            if (o.kind === "acquire") {
              const id = `l${o.lease}`;
              const before = book.lease(id)?.state;
              const heldBefore = held();
              const { answer, grants } = book.acquire(
                request(id, { occupy: o.occupy, strategy: o.cancelNew ? "CANCEL_NEW" : "ENQUEUE" }),
                T0,
              );
              if (before === undefined && answer.status === "waiting") line.push(id);
              if (before === undefined && answer.status === "granted") {
                assert.equal(line.length, 0, "overtook the line");
                assert.ok(heldBefore + o.occupy <= (book.config?.limit ?? 0));
              }
              if (answer.status === "granted") granted.add(id);
              checkGrants(grants);
            } else if (o.kind === "release") {
              const id = `l${o.lease}`;
              line = line.filter((l) => l !== id);
              checkGrants(book.release(id, T0).grants);
            } else if (o.kind === "configure") {
              checkGrants(book.configure({ limit: o.limit, active: o.active }, T0)?.grants ?? []);
            } else {
              checkGrants(book.reset(T0).grants);
            }
          }
          for (let i = 0; i < 12; i++) book.release(`l${i}`, T0);
          assert.equal(book.slotsHeld(T0), 0);
          assert.deepEqual(book.view(T0)?.holders, []);
          assert.deepEqual(book.view(T0)?.waiters, []);
        },
      ),
      { numRuns: 50 },
    );
  });
});
