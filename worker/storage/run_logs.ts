/**
 * A run's log lines as the API and the live feed show them: the lines stored as they were
 * written (a task's logger, `logPrints`, the engine's warnings and errors) merged with the
 * engine's state-change lines ("Task run 'x-0' - Finished in state Completed()", "Beginning
 * flow run…"), which are rendered from the journal entries that record those changes by the
 * runtime's `engineLine`, the same code that prints them in-process. A task step that logs
 * nothing therefore costs its journal INSERT and no log row.
 *
 * Cursors: a stored line's is its row number, a rendered line's is its entry's row number, and
 * both come from one sequence (see `run_sequence.ts`) taken in the order things are written,
 * so cursors are integers, strictly increasing in the order the lines were written, and the
 * same on every read. Entries journaled by a deploy that still stored the engine's lines (up
 * to the `engine_lines_after` number the schema's v3 upgrade recorded) are not rendered again.
 *
 * @module
 */

import {
  EngineLines,
  type JournalEntry,
  LogLevel,
  type LogLevelName,
  type LogRecord,
} from "../../runtime/host.ts";
import type { LogLine } from "../api/run_json.ts";
import type { RunMeta } from "./run_meta.ts";
import type { SqlJournal } from "./sql_journal.ts";
import type { SqlLogSink } from "./sql_logs.ts";

/**
 * Which lines to read: after a cursor, at or above a level, at most `limit` (200 unless set).
 *
 * @example
 * ```ts
 * const next: LogQuery = { after: page[page.length - 1].cursor, minLevel: "INFO", limit: 100 };
 * ```
 */
export interface LogQuery {
  readonly after?: number;
  readonly minLevel?: LogLevelName;
  readonly limit?: number;
}

/**
 * The stored and the rendered lines of the run in one object.
 *
 * @example
 * ```ts
 * const logs = new RunLogs(journal, sink, meta);
 * logs.read(runId, { after: 0, minLevel: "INFO", limit: 100 });
 * ```
 */
export class RunLogs {
  /** The journal folded up to its last append, while the live feed has watchers. */
  #live: EngineLines | undefined;

  constructor(
    readonly journal: SqlJournal,
    readonly stored: SqlLogSink,
    readonly meta: RunMeta,
  ) {}

  /** Lines after a cursor, at or above a level, oldest first. */
  read(runId: string, query: LogQuery = {}): LogLine[] {
    const after = query.after ?? 0;
    const limit = query.limit ?? 200;
    if (limit <= 0) return [];
    const min = LogLevel[query.minLevel ?? "DEBUG"];
    const stored = this.stored.read({ after, minLevel: query.minLevel ?? "DEBUG", limit });
    // Past a full page of stored lines nothing more can be shown: read the journal up to there.
    const until =
      stored.length === limit ? (stored[limit - 1] as LogLine).cursor : Number.POSITIVE_INFINITY;
    const from = Math.max(after, this.#renderedAfter());
    const rendered: LogLine[] = [];
    // Every entry is folded, those before `after` too: a line names what earlier entries say
    // (the task run's name, the run's name).
    const lines = new EngineLines(runId);
    for (const { seq, entry } of this.journal.rows(runId)) {
      if (seq > until) break;
      const line = lines.next(entry);
      if (line === undefined || seq <= from || LogLevel[line.level] < min) continue;
      rendered.push(withCursor(line, seq));
      if (rendered.length === limit) break;
    }
    return merge(stored, rendered, limit);
  }

  /**
   * The rendered lines of entries just appended (numbered from `firstSeq`), for the live feed.
   * The fold of the entries before them is kept from one call to the next; call
   * {@link unwatched} for appends no one watches, so it is rebuilt when it is needed again.
   */
  appended(runId: string, entries: readonly JournalEntry[], firstSeq: number): LogLine[] {
    let lines = this.#live;
    if (lines === undefined) {
      // Everything before these entries, task starts held in memory included (a read stores
      // them); these entries are the journal's last.
      const all = this.journal.read(runId);
      lines = new EngineLines(runId);
      for (let i = 0; i < all.length - entries.length; i++) lines.next(all[i] as JournalEntry);
      this.#live = lines;
    }
    const renderedAfter = this.#renderedAfter();
    const out: LogLine[] = [];
    for (let i = 0; i < entries.length; i++) {
      const line = lines.next(entries[i] as JournalEntry);
      const seq = firstSeq + i;
      if (line !== undefined && seq > renderedAfter) out.push(withCursor(line, seq));
    }
    return out;
  }

  /** An append no one watched: the live fold no longer follows the journal. */
  unwatched(): void {
    this.#live = undefined;
  }

  /** The last entry whose engine line an older deploy stored (0: none did). */
  #renderedAfter(): number {
    return Number(this.meta.get("engine_lines_after") ?? "0");
  }
}

function withCursor(line: LogRecord, cursor: number): LogLine {
  return { cursor, ...line };
}

/** Two lists in cursor order merged, the first `limit` lines. */
function merge(a: readonly LogLine[], b: readonly LogLine[], limit: number): LogLine[] {
  if (b.length === 0) return a as LogLine[];
  if (a.length === 0) return b as LogLine[];
  const out: LogLine[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.cursor < y.cursor)) {
      out.push(x as LogLine);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}
