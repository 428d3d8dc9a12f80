/**
 * The messages of the live feed (GET /api/runs/{id}/live, a WebSocket).
 *
 * @module
 */

import type { JournalEntry } from "../runtime/journal.ts";
import type { LogLine } from "./log.ts";
import type { RunDetail } from "./run.ts";

/**
 * A message of the live feed: a snapshot first, then journal batches and log lines.
 *
 * @example
 * ```ts
 * const message = JSON.parse(event.data) as LiveMessage;
 * if (message.type === "snapshot") console.log(message.run?.state?.name);
 * ```
 */
export type LiveMessage =
  | { readonly type: "snapshot"; readonly run: RunDetail | null }
  | { readonly type: "journal"; readonly runId: string; readonly entries: readonly JournalEntry[] }
  | { readonly type: "log"; readonly log: LogLine };
