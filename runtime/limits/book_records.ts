/**
 * The book's small pure pieces (book.ts): building its records from a request, the reasons a
 * request is refused, how released slots decay, and the API's view of a limit.
 *
 * @module
 */

import type {
  BookChanges,
  BookHolder,
  BookWaiter,
  Grant,
  LimitConfig,
  LimitView,
} from "./book_types.ts";
import type { SlotRequest } from "./port.ts";

/** How long a lease lives unless the host says otherwise: a minute. */
export const DEFAULT_LEASE_TTL_MS = 60_000;

/** Confirmations of an expired lease that may fail in a row before the lease is freed. */
export const MAX_CONFIRM_FAILURES = 3;

/** Decaying slots are fractional; a slot that has just decayed must count as free. */
export const EPSILON = 1e-9;

/**
 * The line's record of a request.
 *
 * @example
 * ```ts
 * const waiter = waiterOf(request, now, 7);
 * ```
 */
export function waiterOf(request: SlotRequest, now: number, seq: number): BookWaiter {
  const { holder } = request;
  return {
    leaseId: request.leaseId,
    runId: holder.runId,
    ...(holder.stepId === undefined ? {} : { stepId: holder.stepId }),
    label: holder.label,
    occupy: request.occupy,
    kind: request.kind,
    scope: request.scope,
    enqueuedAt: now,
    seq,
  };
}

/**
 * The lease a granted waiter holds until `expiresAt`.
 *
 * @example
 * ```ts
 * holders.set(w.leaseId, holderOf(w, now, now + 60_000));
 * ```
 */
export function holderOf(w: BookWaiter, now: number, expiresAt: number): BookHolder {
  return {
    leaseId: w.leaseId,
    runId: w.runId,
    ...(w.stepId === undefined ? {} : { stepId: w.stepId }),
    label: w.label,
    occupy: w.occupy,
    scope: w.scope,
    acquiredAt: now,
    expiresAt,
    failures: 0,
  };
}

/**
 * What the host is told about a granted waiter.
 *
 * @example
 * ```ts
 * const grants = waiters.map(grantOf);
 * ```
 */
export function grantOf(w: BookWaiter): Grant {
  return {
    leaseId: w.leaseId,
    runId: w.runId,
    ...(w.stepId === undefined ? {} : { stepId: w.stepId }),
    kind: w.kind,
    occupy: w.occupy,
  };
}

/**
 * Why a request is refused before anything is counted, or `undefined` when it may be.
 *
 * @example
 * ```ts
 * invalidOccupy("db", 3, 2); // "Concurrency limit 'db' has 2 slots; 3 can never be held at once"
 * ```
 */
export function invalidOccupy(name: string, occupy: number, limit: number): string | undefined {
  if (!Number.isInteger(occupy) || occupy < 1) {
    return `Cannot occupy ${occupy} slots of concurrency limit '${name}': occupy must be a positive integer`;
  }
  if (occupy > limit) {
    return `Concurrency limit '${name}' has ${limit} slots; ${occupy} can never be held at once`;
  }
  return undefined;
}

/**
 * Why a CANCEL_NEW request is refused when no slot is free.
 *
 * @example
 * ```ts
 * limitReached("db", 2, 2); // "Concurrency limit 'db' reached (2/2 slots held)"
 * ```
 */
export function limitReached(name: string, held: number, limit: number): string {
  // Whole slots: a slot still decaying is busy.
  return `Concurrency limit '${name}' reached (${Math.ceil(held - EPSILON)}/${limit} slots held)`;
}

/**
 * Released slots left at `now` of `amount` counted at `since`, decaying at `rate` a second.
 *
 * @example
 * ```ts
 * decayed(2, 0, 500, 2); // 1
 * ```
 */
export function decayed(amount: number, since: number, now: number, rate: number): number {
  if (amount <= 0) return 0;
  const left = amount - (Math.max(0, now - since) / 1000) * rate;
  return left > EPSILON ? left : 0;
}

/**
 * When `decaying` slots (counted at `now`) have decayed to `room`: the first millisecond the
 * head of the line fits. `undefined` when decay alone can never make it fit.
 *
 * @example
 * ```ts
 * decayedToAt(2, 1, 0, 1); // 1000
 * ```
 */
export function decayedToAt(
  decaying: number,
  room: number,
  now: number,
  rate: number,
): number | undefined {
  if (room < 0 || rate <= 0 || decaying <= 0) return undefined;
  if (decaying <= room + EPSILON) return now;
  return Math.max(now, Math.ceil(now + ((decaying - room) * 1000) / rate));
}

/**
 * A limit as the API shows it.
 *
 * @example
 * ```ts
 * const v = viewOf("db", config, holders, waiters, { slotsHeld: 1, createdAt, updatedAt });
 * ```
 */
export function viewOf(
  name: string,
  config: LimitConfig,
  holders: Iterable<BookHolder>,
  waiters: readonly BookWaiter[],
  at: { readonly slotsHeld: number; readonly createdAt: number; readonly updatedAt: number },
): LimitView {
  return {
    name,
    limit: config.limit,
    active: config.active,
    slotDecayPerSecond: config.slotDecayPerSecond,
    slotsHeld: at.slotsHeld,
    holders: [...holders].map((h) => ({
      leaseId: h.leaseId,
      runId: h.runId,
      stepId: h.stepId ?? null,
      label: h.label,
      occupy: h.occupy,
      scope: h.scope,
      acquiredAt: h.acquiredAt,
      expiresAt: h.expiresAt,
    })),
    waiters: waiters.map((w, i) => ({
      leaseId: w.leaseId,
      runId: w.runId,
      stepId: w.stepId ?? null,
      label: w.label,
      occupy: w.occupy,
      position: i + 1,
      enqueuedAt: w.enqueuedAt,
    })),
    createdAt: at.createdAt,
    updatedAt: at.updatedAt,
  };
}

/**
 * What a book changed since its host last stored it (see `BookChanges`).
 *
 * @example
 * ```ts
 * const log = new ChangeLog();
 * log.lease("a");
 * log.take(); // { meta: false, config: false, leases: ["a"] }
 * ```
 */
export class ChangeLog {
  #leases = new Set<string>();
  /** The limit's own row changed. */
  meta = false;
  /** Its configuration changed (so did its row). */
  config = false;

  lease(leaseId: string): void {
    this.#leases.add(leaseId);
  }

  configured(): void {
    this.meta = true;
    this.config = true;
  }

  take(): BookChanges {
    const changes = { meta: this.meta, config: this.config, leases: [...this.#leases] };
    this.#leases = new Set();
    this.meta = false;
    this.config = false;
    return changes;
  }
}

/**
 * Released slots of a rate limit, decaying: `amount` as counted at `at`.
 *
 * @example
 * ```ts
 * const d = new Decay();
 * d.add(2, 0, 1);
 * d.left(1000, 1); // 1
 * ```
 */
export class Decay {
  constructor(
    public amount = 0,
    public at = 0,
  ) {}

  /** Slots still decaying at `now`, at `rate` a second. */
  left(now: number, rate: number): number {
    return decayed(this.amount, this.at, now, rate);
  }

  /** Adds released slots; without decay (`rate` 0) they are free at once: `false`. */
  add(occupy: number, now: number, rate: number): boolean {
    if (rate <= 0) return false;
    this.amount = this.left(now, rate) + occupy;
    this.at = now;
    return true;
  }

  /** What has decayed so far decayed at the old rate; without decay, nothing is left. */
  rebase(now: number, oldRate: number, newRate: number): void {
    this.amount = newRate > 0 ? this.left(now, oldRate) : 0;
    this.at = now;
  }

  clear(now: number): void {
    this.amount = 0;
    this.at = now;
  }
}
