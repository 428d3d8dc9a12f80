/**
 * The log sink port on Durable Object SQLite: each record is a row, written synchronously, so a
 * line is stored before the step that wrote it is journaled. Cursors are the rows' sequence
 * numbers, counted in memory after one read, so a write is one INSERT.
 *
 * @module
 */

import type { LogLevelName, LogRecord, LogSink } from "../../runtime/mod.ts";
import { LogLevel } from "../../runtime/mod.ts";
import type { LogLine } from "../api/run_json.ts";

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
  /** The last cursor written, read from SQLite on first use (this sink is the only writer). */
  #last: number | undefined;

  constructor(
    readonly storage: DurableObjectStorage,
    /** Sees every stored line with its cursor (the object feeds its live feed from it). */
    readonly onWrite: (record: LogRecord, cursor: number) => void = () => {},
  ) {}

  write(record: LogRecord): void {
    const sql = this.storage.sql;
    const cursor =
      (this.#last ??
        sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM logs").one().seq ??
        0) + 1;
    try {
      sql.exec(
        "INSERT INTO logs (seq, run_id, step_id, level, source, message, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)",
        cursor,
        record.runId,
        record.stepId ?? null,
        record.level,
        record.source,
        record.message,
        record.timestamp,
      );
    } catch (error) {
      this.#last = undefined;
      throw error;
    }
    this.#last = cursor;
    this.onWrite(record, cursor);
  }

  /** Lines after a cursor, at or above a level, oldest first. */
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
