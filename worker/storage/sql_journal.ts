/**
 * The journal port on Durable Object SQLite: one row per entry. A batch is one statement (or
 * one transaction when it is large), so it is stored whole or not at all.
 *
 * @module
 */

import type { Journal, JournalEntry } from "../../runtime/mod.ts";

/**
 * Entries per INSERT statement. Durable Object SQLite takes at most 100 bound parameters per
 * statement; each entry binds one, and the run id one more.
 */
const ENTRIES_PER_STATEMENT = 90;

/** The INSERT for `n` entries, built once per size. */
const insertSql: string[] = [];

function insertFor(n: number): string {
  let sql = insertSql[n];
  if (sql === undefined) {
    // The rowid orders the journal: SQLite gives each row the next one.
    const rows = Array.from({ length: n }, (_, i) => `(?1, ?${i + 2})`).join(", ");
    sql = `INSERT INTO journal (run_id, entry) VALUES ${rows}`;
    insertSql[n] = sql;
  }
  return sql;
}

/**
 * A {@link Journal} in the object's SQLite database. `onAppend` sees every appended batch (the
 * object uses it to feed its outbox and live feed).
 *
 * One kind of entry is written lazily: a task step's `step.started` appended on its own is
 * held in memory (`onAppend` sees it at once) and stored in the same statement as the next
 * entry appended, usually the step's outcome, or before any read, or by {@link flush}. That
 * halves the statements of a task step. Losing it in a crash changes nothing: a task whose
 * start is not stored is run again, as one whose start is stored but whose outcome is not,
 * and a crashed attempt is not counted against the task's retries either way. Starts of
 * sleeps, waits and subflows carry what a resumed run needs (a wake time, a child run) and
 * are written at once.
 *
 * @example
 * ```ts
 * const journal = new SqlJournal(ctx.storage);
 * journal.append(runId, [{ type: "run.cancel", at: Date.now(), reason: "user" }]);
 * journal.read(runId);
 * ```
 */
export class SqlJournal implements Journal {
  /** Task starts not stored yet, in append order. */
  #pending: { readonly runId: string; readonly entry: JournalEntry }[] = [];

  constructor(
    readonly storage: DurableObjectStorage,
    readonly onAppend: (runId: string, entries: readonly JournalEntry[]) => void = () => {},
  ) {}

  read(runId: string): JournalEntry[] {
    this.flush();
    return this.storage.sql
      .exec<{ entry: string }>("SELECT entry FROM journal WHERE run_id = ? ORDER BY seq", runId)
      .toArray()
      .map((row) => JSON.parse(row.entry) as JournalEntry);
  }

  append(runId: string, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only?.type === "step.started" && only.kind === "task") {
      this.#pending.push({ runId, entry: only });
    } else {
      // Usually the pending starts belong to this run, and one statement stores them all.
      const batches = this.#takePending();
      const last = batches[batches.length - 1];
      if (last?.runId === runId) last.entries.push(...entries);
      else batches.push({ runId, entries: [...entries] });
      this.#store(batches);
    }
    this.onAppend(runId, entries);
  }

  /** Stores the task starts still held in memory. */
  flush(): void {
    if (this.#pending.length > 0) this.#store(this.#takePending());
  }

  /** The pending starts as batches of consecutive entries of one run, in order. */
  #takePending(): Batch[] {
    const pending = this.#pending;
    this.#pending = [];
    const batches: Batch[] = [];
    for (const { runId, entry } of pending) {
      const last = batches[batches.length - 1];
      if (last?.runId === runId) last.entries.push(entry);
      else batches.push({ runId, entries: [entry] });
    }
    return batches;
  }

  /** Stores batches in order: one statement, or one transaction of several. */
  #store(batches: readonly Batch[]): void {
    const only = batches.length === 1 ? batches[0] : undefined;
    if (only !== undefined && only.entries.length <= ENTRIES_PER_STATEMENT) {
      this.#insert(only.runId, only.entries, 0, only.entries.length);
      return;
    }
    this.storage.transactionSync(() => {
      for (const { runId, entries } of batches) {
        for (let at = 0; at < entries.length; at += ENTRIES_PER_STATEMENT) {
          this.#insert(runId, entries, at, Math.min(entries.length, at + ENTRIES_PER_STATEMENT));
        }
      }
    });
  }

  #insert(runId: string, entries: readonly JournalEntry[], from: number, to: number): void {
    const values: string[] = [];
    for (let i = from; i < to; i++) values.push(JSON.stringify(entries[i]));
    this.storage.sql.exec(insertFor(to - from), runId, ...values);
  }
}

/** Consecutive entries of one run. */
interface Batch {
  readonly runId: string;
  readonly entries: JournalEntry[];
}
