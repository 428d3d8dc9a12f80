/**
 * The RPC interface of a concurrency limit's Durable Object (one object per limit name,
 * `idFromName(name)`), and the stub helper. The object holds the limit's configuration, its
 * leases and its line of waiters in SQLite; it is the source of truth for admission, and it
 * keeps the limit's row in D1's `concurrency_limits` catalogue (for listing, and for finding
 * which of a task's tags are limits) in step with every change of configuration.
 *
 * Grants go out as RPCs to the waiting run's object (`FlowRunRpc.slotGranted`); a lease that
 * reaches its expiry is confirmed with its holder (`FlowRunRpc.confirmLease`), and freed when
 * the holder no longer holds it (or cannot be reached three times in a row).
 *
 * @module
 */

import type { ConcurrencyLimit, PatchConcurrencyLimitBody } from "../../protocol/concurrency.ts";
import type { SlotAnswer, SlotRequest } from "../../runtime/limits/port.ts";
import type { WeirEnv } from "../env.ts";

/** What configure() is asked: create the limit (`create`) or change an existing one. */
export interface LimitConfigure extends PatchConcurrencyLimitBody {
  /** The limit's name (the object's own name; stored on first configure). */
  readonly name: string;
  /** Create when missing (POST); without it a missing limit answers `undefined` (404). */
  readonly create?: boolean;
}

/**
 * The limit object's methods.
 *
 * @example
 * ```ts
 * const answer = await limitObject(env, "db").acquire(request);
 * ```
 */
export interface LimitObjectRpc {
  /** Idempotent by `leaseId` (see SlotRequest). */
  acquire(request: SlotRequest): Promise<SlotAnswer>;
  /** Frees a lease or leaves the line; grants what that frees. Harmless twice. */
  release(leaseId: string): Promise<{ released: boolean }>;
  /** Pushes the expiry of held leases on (pull workers renew this way); answers those still held. */
  renew(leaseIds: readonly string[]): Promise<{ held: string[] }>;
  /** Creates or changes the limit; raising it grants waiters at once. `undefined`: no such limit. */
  configure(change: LimitConfigure): Promise<ConcurrencyLimit | undefined>;
  /** The limit with its holders and waiters; `undefined` when it does not exist. */
  view(): Promise<ConcurrencyLimit | undefined>;
  /** Frees every slot (holders lose their leases) and grants the waiters in order. */
  reset(): Promise<ConcurrencyLimit | undefined>;
  /** Deletes the limit: every waiter is granted (no limit holds them back), the catalogue row goes. */
  remove(): Promise<{ removed: boolean; admitted: number }>;
}

/**
 * The stub of the object that holds limit `name`.
 *
 * @example
 * ```ts
 * const view = await limitObject(env, "db").view();
 * ```
 */
export function limitObject(env: WeirEnv, name: string): LimitObjectRpc {
  return env.CONCURRENCY_LIMITS.get(
    env.CONCURRENCY_LIMITS.idFromName(name),
  ) as unknown as LimitObjectRpc;
}
