/**
 * The journal port on Durable Object SQLite: one row per entry, or one row for the usual task
 * step's start and outcome. A batch is one statement (or one transaction when it is large), so
 * it is stored whole or not at all. Each entry's number comes from the object's
 * {@link RunSequence}, shared with its stored log lines, so an entry's number is also the
 * cursor of the log line rendered from it.
 *
 * @module
 */

import type { Journal, JournalEntry } from "../../runtime/host.ts";
import { RunSequence } from "./run_sequence.ts";
import { expandStep, type StartedEntry, stepRow } from "./step_rows.ts";

/**
 * Entries per INSERT statement. Durable Object SQLite takes at most 100 bound parameters per
 * statement; each entry binds two (its number and its text), and the run id one more.
 */
const ENTRIES_PER_STATEMENT = 49;

/** The INSERT of one row. */
const INSERT_ONE = "INSERT INTO journal (seq, run_id, entry) VALUES (?2, ?1, ?3)";

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
 * held in memory (`onAppend` sees it at once) and stored with the next entry appended,
 * usually the step's outcome, or before any read, or by {@link flush}. That halves the
 * statements of a task step. Losing it in a crash changes nothing: a task whose
 * start is not stored is run again, as one whose start is stored but whose outcome is not,
 * and a crashed attempt is not counted against the task's retries either way. Starts of
 * sleeps, waits and subflows carry what a resumed run needs (a wake time, a child run) and
 * are written at once.
 *
 * When the held start is the last thing appended and its outcome the next, and both have the
 * usual shape, the two are stored as one compact row (`step_rows.ts`), numbered as the
 * outcome and carrying the start's own number: {@link read} and {@link rows} give back both
 * entries, with the numbers they would have had as two rows.
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
    const entries: JournalEntry[] = [];
    const cursor = this.storage.sql
      .exec("SELECT entry FROM journal WHERE run_id = ? ORDER BY seq", runId)
      .raw<[string]>();
    for (const [text] of cursor) {
      const parsed = JSON.parse(text) as JournalEntry | unknown[];
      if (Array.isArray(parsed)) {
        const step = expandStep(parsed);
        entries.push(step.started, step.outcome);
      } else entries.push(parsed);
    }
    return entries;
  }

  /**
   * The stored entries of a run with their numbers, in order, read as they are iterated. Task
   * starts still held in memory are left out, and nothing is written: a reader that only
   * needs the entries whose outcome is stored (a start is stored before its outcome) loses
   * nothing.
   */
  *rows(runId: string): Generator<{ readonly seq: number; readonly entry: JournalEntry }> {
    const cursor = this.storage.sql
      .exec("SELECT seq, entry FROM journal WHERE run_id = ? ORDER BY seq", runId)
      .raw<[number, string]>();
    for (const [seq, text] of cursor) {
      const parsed = JSON.parse(text) as JournalEntry | unknown[];
      if (Array.isArray(parsed)) {
        // A task step in one row: its start keeps the number it was given when appended.
        const step = expandStep(parsed);
        yield { seq: step.startSeq, entry: step.started };
        yield { seq, entry: step.outcome };
      } else yield { seq, entry: parsed };
    }
  }

  append(runId: string, entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    // Numbered now, in append order, whenever they are stored: a task's own log lines written
    // while its start is held in memory come after the start and before its outcome.
    const first = this.sequence.take(entries.length);
    const head = entries[0] as JournalEntry;
    if (entries.length === 1 && head.type === "step.started" && head.kind === "task") {
      this.#pending.push({ runId, entry: head, seq: first });
    } else {
      // The usual task step: its start, held in memory and the last thing appended, and its
      // outcome become one row (see step_rows.ts). No journal entry is numbered between them,
      // so the row, numbered as the outcome, keeps the journal's order.
      const pending = this.#pending;
      const start = pending[pending.length - 1];
      let row: string | undefined;
      if (start !== undefined && start.runId === runId) {
        row = stepRow(start.seq, start.entry, head);
        if (row !== undefined) {
          pending.pop();
          if (pending.length === 0 && entries.length === 1) {
            // The hot path, a sequential task step: one row, one statement.
            this.storage.sql.exec(INSERT_ONE, runId, first, row);
            this.onAppend(runId, entries, first);
            return;
          }
        }
      }
      // Usually the pending starts belong to this run, and one statement stores them all.
      const batches = this.#takePending();
      let last = batches[batches.length - 1];
      if (last?.runId !== runId) {
        last = { runId, rows: [], seqs: [] };
        batches.push(last);
      }
      for (let i = 0; i < entries.length; i++) {
        last.rows.push(i === 0 && row !== undefined ? row : JSON.stringify(entries[i]));
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
      const row = JSON.stringify(entry);
      const last = batches[batches.length - 1];
      if (last?.runId === runId) {
        last.rows.push(row);
        last.seqs.push(seq);
      } else batches.push({ runId, rows: [row], seqs: [seq] });
    }
    return batches;
  }

  /** Stores batches in order: one statement, or one transaction of several. */
  #store(batches: readonly Batch[]): void {
    const only = batches.length === 1 ? batches[0] : undefined;
    if (only !== undefined && only.rows.length <= ENTRIES_PER_STATEMENT) {
      this.#insert(only, 0, only.rows.length);
      return;
    }
    this.storage.transactionSync(() => {
      for (const batch of batches) {
        const n = batch.rows.length;
        for (let at = 0; at < n; at += ENTRIES_PER_STATEMENT) {
          this.#insert(batch, at, Math.min(n, at + ENTRIES_PER_STATEMENT));
        }
      }
    });
  }

  #insert(batch: Batch, from: number, to: number): void {
    const values: (number | string)[] = [];
    for (let i = from; i < to; i++) {
      values.push(batch.seqs[i] as number, batch.rows[i] as string);
    }
    this.storage.sql.exec(insertFor(to - from), batch.runId, ...values);
  }
}

/** A task start held in memory. */
interface Pending {
  readonly runId: string;
  readonly entry: StartedEntry;
  readonly seq: number;
}

/** Consecutive rows of one run (their stored text), with their numbers. */
interface Batch {
  readonly runId: string;
  readonly rows: string[];
  readonly seqs: number[];
}
