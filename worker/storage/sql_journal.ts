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
    if (entries.length === 1) {
      // One statement is atomic by itself: no transaction, and the sequence number is computed
      // in SQLite (about half the cost of a transaction with a MAX query and an INSERT).
      this.#insert(runId, entries[0] as JournalEntry);
    } else {
      this.storage.transactionSync(() => {
        for (const entry of entries) this.#insert(runId, entry);
      });
    }
    this.onAppend(runId, entries);
  }

  /** Appends one entry after the run's last one. */
  #insert(runId: string, entry: JournalEntry): void {
    this.storage.sql.exec(
      `INSERT INTO journal (run_id, seq, entry)
       SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2 FROM journal WHERE run_id = ?1`,
      runId,
      JSON.stringify(entry),
    );
  }

  /** How many entries a run has. */
  length(runId: string): number {
    return this.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM journal WHERE run_id = ?", runId)
      .one().n;
  }
}
