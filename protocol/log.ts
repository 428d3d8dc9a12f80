/**
 * A run's log lines on the wire (GET /api/runs/{id}/logs and the live feed).
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { LogRecord } from "../runtime/logs.ts";

export type { LogLevelName, LogRecord } from "../runtime/logs.ts";
export { LOG_LEVELS } from "./log_levels.ts";

/**
 * A stored log line with its cursor (GET /api/runs/{id}/logs and the live feed).
 *
 * @example
 * ```ts
 * const next = await client.getLogs(id, { after: line.cursor });
 * ```
 */
export interface LogLine extends LogRecord {
  /** Pass as `after` to read the lines that follow. */
  readonly cursor: number;
}

/**
 * GET /api/runs/{id}/logs: lines oldest first, and the cursor to pass as `after` for more.
 *
 * @example
 * ```ts
 * const page: LogPage = await client.getLogs(id);
 * ```
 */
export interface LogPage {
  readonly logs: readonly LogLine[];
  readonly nextCursor: number;
}

/**
 * GET /api/runs/{id}/logs query.
 *
 * @example
 * ```ts
 * LogsQuery.parse({ after: "12", level: "INFO" });
 * ```
 */
export const LogsQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  level: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("DEBUG"),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
