// 1,000 random operations against a real limit object (acquire with either strategy and
// 1–2 slots, release of a holder, a waiter leaving the line, limit changes, reset, expiry with
// a holder that no longer holds its lease), checking after each that the line moves as it
// must, and at the end that releasing everything leaves no slot held and nobody waiting.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import type { HolderCalls } from "../limits/holder_calls.ts";
import type { ConcurrencyLimitObject } from "../limits/object.ts";
import type { LimitObjectRpc } from "../limits/rpc.ts";
import { testEnv, useFakeTime } from "./helpers.ts";

const clock = useFakeTime();

/** Runs that take every grant, and hold a lease only while `held` has it. */
class Runs implements HolderCalls {
  readonly held = new Set<string>();
  async slotGranted(_runId: string, leaseId: string): Promise<boolean> {
    this.held.add(leaseId);
    return true;
  }
  async confirmLease(_runId: string, leaseId: string): Promise<boolean> {
    return this.held.has(leaseId);
  }
}

type Op =
  | { kind: "acquire"; occupy: number; cancelNew: boolean }
  | { kind: "release"; pick: number }
  | { kind: "leave"; pick: number }
  | { kind: "limit"; limit: number }
  | { kind: "reset" }
  | { kind: "expire"; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      occupy: fc.integer({ min: 1, max: 2 }),
      cancelNew: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("release" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("leave" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("limit" as const),
      limit: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reset" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expire" as const), pick: fc.nat() }) },
);

/** The line may not stand still while its first waiter fits. */
function expectLineMoves(view: ConcurrencyLimit): void {
  const first = view.waiters[0];
  if (first === undefined) return;
  const held = view.holders.reduce((sum, h) => sum + h.occupy, 0);
  expect(held + first.occupy, JSON.stringify(view)).toBeGreaterThan(view.limit);
}

describe("the limit object under random operations", () => {
  it("keeps the line moving, first in first out, and leaves no slot held", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1000, maxLength: 1000 }), async (ops) => {
        const name = `random-${crypto.randomUUID()}`;
        const ns = testEnv.CONCURRENCY_LIMITS;
        const stub = ns.get(ns.idFromName(name));
        const runs = new Runs();
        await runInDurableObject(stub, (object) => {
          (object as unknown as ConcurrencyLimitObject).holderCalls = runs;
        });
        const rpc = stub as unknown as LimitObjectRpc;
        await rpc.configure({ name, limit: 2, create: true });
        let next = 0;
        /** Leases granted, in the order their requests were made (FIFO means increasing). */
        let lastGrantedOrder = -1;
        const order = new Map<string, number>();
        for (const op of ops) {
          const before = await rpc.view();
          if (before === undefined) throw new Error("the limit vanished");
          if (op.kind === "acquire") {
            const leaseId = `lease-${next++}`;
            order.set(leaseId, next);
            const answer = await rpc.acquire({
              limit: name,
              leaseId,
              occupy: op.occupy,
              kind: "hold",
              scope: "run",
              strategy: op.cancelNew ? "CANCEL_NEW" : "ENQUEUE",
              holder: { runId: `run-${leaseId}`, label: leaseId },
            });
            if (answer.status === "granted") runs.held.add(leaseId);
            // Nobody overtakes the line: a new request is granted only when nobody waits.
            if (answer.status === "granted") expect(before.waiters).toEqual([]);
          } else if (op.kind === "release" || op.kind === "expire") {
            const holder = before.holders[op.pick % Math.max(1, before.holders.length)];
            if (holder === undefined) continue;
            runs.held.delete(holder.leaseId);
            if (op.kind === "release") await rpc.release(holder.leaseId);
            else {
              clock.set(holder.expiresAt + 1);
              await runDurableObjectAlarm(stub);
            }
          } else if (op.kind === "leave") {
            const waiter = before.waiters[op.pick % Math.max(1, before.waiters.length)];
            if (waiter !== undefined) await rpc.release(waiter.leaseId);
          } else if (op.kind === "limit") {
            await rpc.configure({ name, limit: op.limit });
          } else {
            await rpc.reset();
            runs.held.clear();
          }
          const after = await rpc.view();
          if (after === undefined) throw new Error("the limit vanished");
          expectLineMoves(after);
          // Grants follow the order of the requests that waited.
          const newlyHeld = after.holders
            .filter((h) => !before.holders.some((b) => b.leaseId === h.leaseId))
            .map((h) => order.get(h.leaseId) ?? 0)
            .sort((a, b) => a - b);
          for (const o of newlyHeld) {
            if (before.waiters.some((w) => order.get(w.leaseId) === o)) {
              expect(o).toBeGreaterThan(lastGrantedOrder);
              lastGrantedOrder = o;
            }
          }
        }
        // Everyone leaves: nothing is held, nobody waits.
        for (let i = 0; i < 200; i++) {
          const view = await rpc.view();
          if (view === undefined) throw new Error("the limit vanished");
          const one = view.holders[0] ?? view.waiters[0];
          if (one === undefined) break;
          runs.held.delete(one.leaseId);
          await rpc.release(one.leaseId);
        }
        const end = await rpc.view();
        expect(end?.holders).toEqual([]);
        expect(end?.waiters).toEqual([]);
        expect(end?.slotsHeld).toBe(0);
      }),
      { numRuns: 2 },
    );
  }, 120_000);
});
