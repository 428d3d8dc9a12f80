/**
 * Taking and giving back concurrency slots from an execution, through the host's
 * {@link ConcurrencyPort}. A request that must wait is journaled by its caller (the state
 * AwaitingConcurrencySlot, with a message naming the limit), then blocks as a wait: in a
 * durable host the run suspends and the limit wakes it when it grants the slot; the next
 * execution asks again (requests are idempotent by lease id) and is granted at once.
 *
 * @module
 */

import type { SlotAnswer, SlotRequest } from "../limits/port.ts";
import type { Execution } from "./execution.ts";

/** How taking a slot ended. `none`: no such limit in force, so nothing was taken. */
export type SlotResult =
  | { readonly status: "granted" | "none" | "timedOut" }
  | Extract<SlotAnswer, { status: "refused" }>;

/** A request that waits: for its caller to journal why (see {@link takeSlot}). */
export type Waiting = Extract<SlotAnswer, { status: "waiting" }>;

/**
 * Takes one slot, waiting for it when the limit says so. Rejects with the abort reason when
 * `signal` aborts while it waits (the request leaves the line first).
 *
 * @example
 * ```ts
 * const result = await takeSlot(exec, request, signal, (w) => journalWaiting(w), { active: true });
 * ```
 */
export async function takeSlot(
  exec: Execution,
  request: SlotRequest,
  signal: AbortSignal,
  onWait: (waiting: Waiting) => Promise<void> | void,
  options: { readonly deadline?: number; readonly active?: boolean } = {},
): Promise<SlotResult> {
  const answer = await exec.host.limits.acquire(request, (leaseId) => exec.grants.deliver(leaseId));
  if (answer.status !== "waiting") return answer;
  await onWait(answer);
  const grant = exec.grants.wait(request.leaseId);
  // A caller counted as active work (a task step) is idle while it waits: the run may suspend.
  if (options.active === true) exec.activity.leave();
  try {
    const result = await exec.activity.blockUntil(grant.promise, signal, options.deadline, "wait");
    if (!result.timedOut) return { status: "granted" };
  } catch (error) {
    grant.cancel();
    await giveBack(exec, [request]);
    throw error;
  } finally {
    if (options.active === true) exec.activity.enter();
  }
  grant.cancel();
  await giveBack(exec, [request]);
  return { status: "timedOut" };
}

/**
 * Gives slots back (or leaves their lines). A failure is logged, not thrown: the host frees
 * what a run still holds when it finishes, and a lease nobody renews expires.
 *
 * @example
 * ```ts
 * await giveBack(exec, [{ limit: "db", leaseId }]);
 * ```
 */
export async function giveBack(
  exec: Execution,
  leases: readonly { readonly limit: string; readonly leaseId: string }[],
): Promise<void> {
  for (const { limit, leaseId } of leases) {
    try {
      await exec.host.limits.release(limit, leaseId);
    } catch (error) {
      exec.engineLogger.warning(
        `Could not release concurrency slot '${leaseId}' of limit '${limit}': ${String(error)}; it is freed when the run finishes or its lease expires`,
      );
    }
  }
}
