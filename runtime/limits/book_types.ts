/**
 * The records a concurrency limit's book keeps (see book.ts): its configuration, the leases
 * that hold slots, the requests in line, and the rate grants it remembers. Plain data, so a
 * host can store them (the Worker's limit object keeps them in SQLite) and rebuild the book.
 *
 * @module
 */

import type { LeaseScope } from "./port.ts";

/** A limit's settings. */
export interface LimitConfig {
  /** Slots, an integer >= 0. */
  readonly limit: number;
  /** An inactive limit holds nobody back: acquire answers `none`. */
  readonly active: boolean;
  /** Slots freed per second after release (rate limits); 0 frees them at once. */
  readonly slotDecayPerSecond: number;
}

/**
 * A lease that holds slots until it is released, expires unconfirmed, or the limit is reset.
 *
 * @example
 * ```ts
 * const h: BookHolder = { leaseId: "r/3/1/db", runId: "r", label: "load-3", occupy: 1,
 *   scope: "step", acquiredAt: 0, expiresAt: 60_000, failures: 0 };
 * ```
 */
export interface BookHolder {
  readonly leaseId: string;
  readonly runId: string;
  readonly stepId?: string;
  readonly label: string;
  readonly occupy: number;
  readonly scope: LeaseScope;
  readonly acquiredAt: number;
  /** When the holder is asked whether it still holds the lease. */
  expiresAt: number;
  /** Confirmations that failed in a row (the holder could not be reached). */
  failures: number;
}

/**
 * A request in line. `seq` orders the line (first in, first out) across restarts.
 *
 * @example
 * ```ts
 * const w: BookWaiter = { leaseId: "r/3/1/db", runId: "r", label: "load-3", occupy: 1,
 *   kind: "hold", scope: "step", enqueuedAt: 0, seq: 7 };
 * ```
 */
export interface BookWaiter {
  readonly leaseId: string;
  readonly runId: string;
  readonly stepId?: string;
  readonly label: string;
  readonly occupy: number;
  readonly kind: "hold" | "rate";
  readonly scope: LeaseScope;
  readonly enqueuedAt: number;
  readonly seq: number;
}

/**
 * A rate grant, remembered until `until` so that asking again with the same lease id answers
 * `granted` instead of taking more slots (a woken run asks again).
 *
 * @example
 * ```ts
 * const s: SpentLease = { leaseId: "r/4/1/api", until: 60_000 };
 * ```
 */
export interface SpentLease {
  readonly leaseId: string;
  readonly until: number;
}

/**
 * A waiter that has just been granted its slots: the host tells its run.
 *
 * @example
 * ```ts
 * for (const g of grants) notify(g.runId, g.leaseId);
 * ```
 */
export interface Grant {
  readonly leaseId: string;
  readonly runId: string;
  readonly stepId?: string;
  readonly kind: "hold" | "rate";
  readonly occupy: number;
}

/**
 * Everything a book holds, for storing and rebuilding it.
 *
 * @example
 * ```ts
 * const copy = new LimitBook({ state: book.state() });
 * ```
 */
export interface BookState {
  /** The limit's name; `undefined` until the host learns it. */
  readonly name: string | undefined;
  /** `undefined`: the limit does not exist (never created, or removed). */
  readonly config: LimitConfig | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Released slots still decaying, as of `decayingAt`. */
  readonly decaying: number;
  readonly decayingAt: number;
  /** The next waiter's `seq`. */
  readonly nextSeq: number;
  readonly holders: readonly BookHolder[];
  readonly waiters: readonly BookWaiter[];
  readonly spent: readonly SpentLease[];
}

/**
 * Where a lease stands in the book: holding, waiting, a remembered rate grant, or unknown.
 *
 * @example
 * ```ts
 * if (book.lease(id)?.state === "held") keep(id);
 * ```
 */
export type LeaseRecord =
  | { readonly state: "held"; readonly holder: BookHolder }
  | { readonly state: "waiting"; readonly waiter: BookWaiter }
  | { readonly state: "spent"; readonly spent: SpentLease };

/**
 * What changed since the host last asked (`LimitBook.takeChanges`): whether the limit's own
 * row changed (configuration, decay, name), whether the configuration did (the catalogue row
 * must follow), and which leases were touched (store them again, or delete them).
 *
 * @example
 * ```ts
 * const { leases } = book.takeChanges();
 * for (const id of leases) persist(id, book.lease(id));
 * ```
 */
export interface BookChanges {
  readonly meta: boolean;
  readonly config: boolean;
  readonly leases: readonly string[];
}

/**
 * A limit with its holders and waiters, shaped exactly as protocol/concurrency.ts's
 * `ConcurrencyLimit` (the runtime imports nothing from protocol/, so the shape is repeated
 * here; the Worker's compiler checks they agree).
 *
 * @example
 * ```ts
 * const v = book.view(Date.now());
 * if (v) console.log(`${v.slotsHeld}/${v.limit}`);
 * ```
 */
export interface LimitView {
  readonly name: string;
  readonly limit: number;
  readonly active: boolean;
  readonly slotDecayPerSecond: number;
  readonly slotsHeld: number;
  readonly holders: readonly {
    readonly leaseId: string;
    readonly runId: string;
    readonly stepId: string | null;
    readonly label: string;
    readonly occupy: number;
    readonly scope: LeaseScope;
    readonly acquiredAt: number;
    readonly expiresAt: number;
  }[];
  readonly waiters: readonly {
    readonly leaseId: string;
    readonly runId: string;
    readonly stepId: string | null;
    readonly label: string;
    readonly occupy: number;
    readonly position: number;
    readonly enqueuedAt: number;
  }[];
  readonly createdAt: number;
  readonly updatedAt: number;
}
