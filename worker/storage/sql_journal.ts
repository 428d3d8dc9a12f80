/**
 * The journal port on Durable Object SQLite: one row per entry. A batch is one statement (or
 * one transaction when it is large), so it is stored whole or not at all. Each entry's row
 * number comes from the object's {@link RunSequence}, shared with its stored log lines, so an
 * entry's number is also the cursor of the log line rendered from it.
 *
 * @module
 */

import type { Journal, JournalEntry } from "../../runtime/mod.ts";
import { RunSequence } from "./run_sequence.ts";

/**
 * Entries per INSERT statement. Durable Object SQLite takes at most 100 bound parameters per
 * statement; each entry binds two (its number and its text), and the run id one more.
 */
const ENTRIES_PER_STATEMENT = 49;

/** The INSERT for `n` entries, built once per size. */
const insertSql: string[] = [];

function insertFor(n: number): string {
  let sql = insertSql[n];
  if (sql === undefined) {
    // The rowid orders the journal; it is the entry's number in the object's sequence.
    const rows = Array.from({ length: n }, (_, i) => `(?${2 * i + 2}, ?1, ?${2 * i + 3})`);
    sql = `INSERT INTO journal (seq, run_id, entry) VALUES ${rows.join(", ")}`;
    insertSql[n] = sql;
  }
  return sql;
}

/**
 * A {@link Journal} in the object's SQLite database. `onAppend` sees every appended batch with
 * the number of its first entry (the others follow it; the object feeds its outbox and live
 * feed from it).
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
  /** Task starts not stored yet, in append order, numbered when they were appended. */
  #pending: Pending[] = [];

  constructor(
    readonly storage: DurableObjectStorage,
    readonly onAppend: (
      runId: string,
      entries: readonly JournalEntry[],
      firstSeq: number,
    ) => void = () => {},
    /** Shared with the object's log sink, so journal rows and log lines are one order. */
    readonly sequence: RunSequence = new RunSequence(storage),
  ) {}

  read(runId: string): JournalEntry[] {
    this.flush();
    return this.storage.sql
      .exec<{ entry: string }>("SELECT entry FROM journal WHERE run_id = ? ORDER BY seq", runId)
      .toArray()
      .map((row) => JSON.parse(row.entry) as JournalEntry);
  }

  /**
   * The stored entries of a run with their numbers, in order, read as they are iterated. Task
   * starts still held in memory are left out, and nothing is written: a reader that only
   * needs the entries whose outcome is stored (a start is stored before its outcome) loses
   * nothing.
   */
  *rows(runId: string): Generator<{ readonly seq: number; readonly entry: JournalEntry }> {
    const cursor = this.storage.sql.exec<{ seq: number; entry: string }>(
      "SELECT seq, entry FROM journal WHERE run_id = ? ORDER BY seq",
      runId,
    );
    for (const row of cursor) yield { seq: row.seq, entry: JSON.parse(row.entry) as JournalEntry };
  }

  append(runId: string, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    // Numbered now, in append order, whenever they are stored: a task's own log lines written
    // while its start is held in memory come after the start and before its outcome.
    const first = this.sequence.take(entries.length);
    const only = entries.length === 1 ? entries[0] : undefined;
    if (only?.type === "step.started" && only.kind === "task") {
      this.#pending.push({ runId, entry: only, seq: first });
    } else {
      // Usually the pending starts belong to this run, and one statement stores them all.
      const batches = this.#takePending();
      let last = batches[batches.length - 1];
      if (last?.runId !== runId) {
        last = { runId, entries: [], seqs: [] };
        batches.push(last);
      }
      for (let i = 0; i < entries.length; i++) {
        last.entries.push(entries[i] as JournalEntry);
        last.seqs.push(first + i);
      }
      this.#store(batches);
    }
    this.onAppend(runId, entries, first);
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
    for (const { runId, entry, seq } of pending) {
      const last = batches[batches.length - 1];
      if (last?.runId === runId) {
        last.entries.push(entry);
        last.seqs.push(seq);
      } else batches.push({ runId, entries: [entry], seqs: [seq] });
    }
    return batches;
  }

  /** Stores batches in order: one statement, or one transaction of several. */
  #store(batches: readonly Batch[]): void {
    const only = batches.length === 1 ? batches[0] : undefined;
    if (only !== undefined && only.entries.length <= ENTRIES_PER_STATEMENT) {
      this.#insert(only, 0, only.entries.length);
      return;
    }
    this.storage.transactionSync(() => {
      for (const batch of batches) {
        const n = batch.entries.length;
        for (let at = 0; at < n; at += ENTRIES_PER_STATEMENT) {
          this.#insert(batch, at, Math.min(n, at + ENTRIES_PER_STATEMENT));
        }
      }
    });
  }

  #insert(batch: Batch, from: number, to: number): void {
    const values: (number | string)[] = [];
    for (let i = from; i < to; i++) {
      values.push(batch.seqs[i] as number, JSON.stringify(batch.entries[i]));
    }
    this.storage.sql.exec(insertFor(to - from), batch.runId, ...values);
  }
}

/** A task start held in memory. */
interface Pending {
  readonly runId: string;
  readonly entry: JournalEntry;
  readonly seq: number;
}

/** Consecutive entries of one run, with their numbers. */
interface Batch {
  readonly runId: string;
  readonly entries: JournalEntry[];
  readonly seqs: number[];
}
