/**
 * The grant outbox of a limit object: a waiter that has been granted its slots stays here
 * until its run has been told (`slotGranted`), so a crash or a failed call never loses a
 * grant. Rows are written in the same transaction as the grant itself (store.ts); failed
 * deliveries are retried from the object's alarm with backoff.
 *
 * @module
 */

/** Attempts before a grant is given up and its slots freed (about four minutes of backoff). */
export const MAX_GRANT_ATTEMPTS = 8;

/** A grant waiting to be delivered. */
export interface PendingGrant {
  readonly leaseId: string;
  readonly runId: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
}

/**
 * The delay before attempt `attempts + 1`: 1 s, doubling, at most a minute.
 *
 * @example
 * ```ts
 * grantBackoffMs(1); // 1000
 * ```
 */
export function grantBackoffMs(attempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The `grants` table.
 *
 * @example
 * ```ts
 * const outbox = new GrantOutbox(ctx.storage);
 * for (const grant of outbox.due(Date.now())) await deliver(grant);
 * ```
 */
export class GrantOutbox {
  constructor(readonly storage: DurableObjectStorage) {}

  /** Queues a grant, due at `at` (a grant made again replaces the old row). */
  add(leaseId: string, runId: string, at: number): void {
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO grants (lease_id, run_id, attempts, next_attempt_at) VALUES (?, ?, 0, ?)",
      leaseId,
      runId,
      at,
    );
  }

  /** The grants due at `now`, oldest first. */
  due(now: number): PendingGrant[] {
    return this.#rows("WHERE next_attempt_at <= ? ORDER BY next_attempt_at, rowid", now);
  }

  /** Every pending grant. */
  all(): PendingGrant[] {
    return this.#rows("ORDER BY next_attempt_at, rowid");
  }

  has(leaseId: string): boolean {
    return (
      this.storage.sql.exec("SELECT 1 FROM grants WHERE lease_id = ?", leaseId).toArray().length > 0
    );
  }

  /** Delivered (or given up): forgets it. */
  delete(leaseId: string): void {
    this.storage.sql.exec("DELETE FROM grants WHERE lease_id = ?", leaseId);
  }

  /** A delivery failed: tried again after the backoff. Answers the attempts made so far. */
  failed(leaseId: string, now: number, error: string): number {
    const row = this.storage.sql
      .exec<{ attempts: number }>(
        "UPDATE grants SET attempts = attempts + 1, last_error = ? WHERE lease_id = ? RETURNING attempts",
        error.slice(0, 1000),
        leaseId,
      )
      .toArray()[0];
    const attempts = row?.attempts ?? 0;
    this.storage.sql.exec(
      "UPDATE grants SET next_attempt_at = ? WHERE lease_id = ?",
      now + grantBackoffMs(attempts),
      leaseId,
    );
    return attempts;
  }

  /** When the next grant is due; `undefined` when none is pending. */
  nextAttemptAt(): number | undefined {
    const row = this.storage.sql
      .exec<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM grants")
      .toArray()[0];
    return row?.at ?? undefined;
  }

  #rows(tail: string, ...bindings: unknown[]): PendingGrant[] {
    return this.storage.sql
      .exec<{ lease_id: string; run_id: string; attempts: number; next_attempt_at: number }>(
        `SELECT lease_id, run_id, attempts, next_attempt_at FROM grants ${tail}`,
        ...bindings,
      )
      .toArray()
      .map((r) => ({
        leaseId: r.lease_id,
        runId: r.run_id,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at,
      }));
  }
}
