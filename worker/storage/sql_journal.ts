/**
 * The journal port on Durable Object SQLite: one row per entry, appended in a synchronous
 * transaction, so a batch is stored whole or not at all and is durable when `append` returns.
 *
 * @module
 */

import type { Journal, JournalEntry } from "../../runtime/mod.ts";

/**
 * A {@link Journal} in the object's SQLite database. `onAppend` sees every stored batch (the
 * object uses it to feed its outbox and live feed).
 *
 * @example
 * ```ts
 * const journal = new SqlJournal(ctx.storage);
 * ```
 */
export class SqlJournal implements Journal {
  constructor(
    readonly storage: DurableObjectStorage,
    readonly onAppend: (runId: string, entries: readonly JournalEntry[]) => void = () => {},
  ) {}

  read(runId: string): JournalEntry[] {
    return this.storage.sql
      .exec<{ entry: string }>("SELECT entry FROM journal WHERE run_id = ? ORDER BY seq", runId)
      .toArray()
      .map((row) => JSON.parse(row.entry) as JournalEntry);
  }

  append(runId: string, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      const last = sql
        .exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM journal WHERE run_id = ?", runId)
        .one().seq;
      let seq = last ?? 0;
      for (const entry of entries) {
        sql.exec(
          "INSERT INTO journal (run_id, seq, entry) VALUES (?, ?, ?)",
          runId,
          ++seq,
          JSON.stringify(entry),
        );
      }
    });
    this.onAppend(runId, entries);
  }

  /** How many entries a run has. */
  length(runId: string): number {
    return this.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM journal WHERE run_id = ?", runId)
      .one().n;
  }
}
