/**
 * The log levels' names in order, with no schema library attached, so the UI can bundle them.
 *
 * @module
 */

import type { LogLevelName } from "../runtime/logs.ts";

/**
 * The log levels, lowest first (the API's `level` filter keeps lines at or above one).
 *
 * @example
 * ```ts
 * LOG_LEVELS.includes("INFO"); // true
 * ```
 */
export const LOG_LEVELS: readonly LogLevelName[] = [
  "DEBUG",
  "INFO",
  "WARNING",
  "ERROR",
  "CRITICAL",
];
