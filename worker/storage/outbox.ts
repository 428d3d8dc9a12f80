/**
 * The outbox: what a run's Durable Object owes the rest of the system that cannot be derived
 * from its journal again: a "my child finished" call to its parent run. (Its index row can be,
 * see run_outbox.ts.) Rows are written in the same transaction as the journal entries that
 * cause them and delivered afterwards, retried with backoff from the object's alarm, so a
 * network failure delays a delivery but never loses it.
 *
 * @module
 */

/** A run's row in the D1 index. */
export interface RunSummary {
  readonly id: string;
  readonly flowName: string;
  readonly name: string;
  readonly deploymentId: string | null;
  /** The deployment schedule that created the run; absent in rows queued by older deploys. */
  readonly scheduleId?: string | null;
  readonly parentRunId: string | null;
  readonly stateType: string;
  readonly stateName: string;
  readonly tags: readonly string[];
  readonly idempotencyKey: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly scheduledAt: number | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** The journal length when the summary was taken: newer wins. */
  readonly version: number;
}

/** What the outbox delivers. */
export type OutboxMessage = NotifyParent | LegacyIndexRow;

/** A child run's "I finished" call to its parent. */
export interface NotifyParent {
  readonly kind: "notify-parent";
  readonly parentRunId: string;
  readonly childRunId: string;
}

/**
 * An index row queued by a deploy from before index rows were derived (see run_outbox.ts):
 * only read and delivered, never written now.
 */
export interface LegacyIndexRow {
  readonly kind: "index";
  readonly summary: RunSummary;
}

/** How the outbox delivers a message; throws to retry later. */
export type Deliver = (message: OutboxMessage) => Promise<void>;

/** Delays between delivery attempts; the last repeats. */
export const BACKOFF_MS = [1_000, 5_000, 15_000, 60_000, 300_000] as const;

/**
 * The outbox table of one Durable Object.
 *
 * @example
 * ```ts
 * outbox.enqueue({ kind: "notify-parent", parentRunId, childRunId });
 * const { retryAt } = await outbox.flush(Date.now(), deliver);
 * ```
 */
export class Outbox {
  constructor(readonly storage: DurableObjectStorage) {}

  /** Adds a message (in the caller's transaction, when it has one). */
  enqueue(message: NotifyParent): void {
    this.storage.sql.exec(
      "INSERT INTO outbox (kind, payload) VALUES (?, ?)",
      message.kind,
      JSON.stringify(message),
    );
  }

  /**
   * Delivers every due message in order; failures are kept with a later attempt time.
   * Resolves to the earliest time a kept message is due, if any.
   */
  async flush(now: number, deliver: Deliver): Promise<{ retryAt?: number }> {
    const sql = this.storage.sql;
    const due = sql
      .exec<{ seq: number; payload: string; attempts: number }>(
        "SELECT seq, payload, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY seq",
        now,
      )
      .toArray();
    for (const row of due) {
      try {
        await deliver(JSON.parse(row.payload) as OutboxMessage);
        sql.exec("DELETE FROM outbox WHERE seq = ?", row.seq);
      } catch (error) {
        const delay = BACKOFF_MS[Math.min(row.attempts, BACKOFF_MS.length - 1)] ?? 300_000;
        sql.exec(
          "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?",
          now + delay,
          String(error),
          row.seq,
        );
      }
    }
    const next = sql
      .exec<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM outbox")
      .one().at;
    return next === null ? {} : { retryAt: next };
  }
}
