/**
 * The log sink port on Durable Object SQLite: each record is a row, written synchronously, so a
 * line is stored before the step that wrote it is journaled. The engine's own state-change
 * lines are not written here: they are rendered from the journal when logs are read (see
 * `run_logs.ts`). Cursors are the rows' numbers in the object's {@link RunSequence}, shared
 * with the journal and counted in memory, so a write is one INSERT.
 *
 * @module
 */

import type { LogLevelName, LogRecord, LogSink } from "../../runtime/host.ts";
import { LogLevel } from "../../runtime/host.ts";
import type { LogLine } from "../api/run_json.ts";
import { RunSequence } from "./run_sequence.ts";

/**
 * A {@link LogSink} in the object's SQLite database.
 *
 * @example
 * ```ts
 * const logs = new SqlLogSink(ctx.storage);
 * logs.read({ after: 0, limit: 100 });
 * ```
 */
export class SqlLogSink implements LogSink {
  /** The engine's lines are rendered from the journal when read: a quiet step writes no row. */
  readonly rendersEngineLines = true;

  constructor(
    readonly storage: DurableObjectStorage,
    /** Sees every stored line with its cursor (the object feeds its live feed from it). */
    readonly onWrite: (record: LogRecord, cursor: number) => void = () => {},
    /** Shared with the object's journal, so journal rows and log lines are one order. */
    readonly sequence: RunSequence = new RunSequence(storage),
  ) {}

  write(record: LogRecord): void {
    const cursor = this.sequence.take();
    this.storage.sql.exec(
      "INSERT INTO logs (seq, run_id, step_id, level, source, message, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)",
      cursor,
      record.runId,
      record.stepId ?? null,
      record.level,
      record.source,
      record.message,
      record.timestamp,
    );
    this.onWrite(record, cursor);
  }

  /** Stored lines after a cursor, at or above a level, oldest first. */
  read(options: { after?: number; minLevel?: LogLevelName; limit?: number } = {}): LogLine[] {
    const min = LogLevel[options.minLevel ?? "DEBUG"];
    const levels = (Object.keys(LogLevel) as LogLevelName[]).filter((l) => LogLevel[l] >= min);
    const rows = this.storage.sql
      .exec<{
        seq: number;
        run_id: string;
        step_id: string | null;
        level: LogLevelName;
        source: string;
        message: string;
        timestamp: number;
      }>(
        `SELECT seq, run_id, step_id, level, source, message, timestamp FROM logs
         WHERE seq > ? AND level IN (${levels.map(() => "?").join(",")})
         ORDER BY seq LIMIT ?`,
        options.after ?? 0,
        ...levels,
        options.limit ?? 200,
      )
      .toArray();
    return rows.map((row) => ({
      cursor: row.seq,
      runId: row.run_id,
      ...(row.step_id === null ? {} : { stepId: row.step_id }),
      level: row.level,
      source: row.source,
      message: row.message,
      timestamp: row.timestamp,
    }));
  }
}
