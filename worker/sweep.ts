/**
 * The every-minute cron tick's housekeeping: a run the index still shows as running but that
 * has not changed for a while is poked, so its Durable Object re-arms its alarm and resumes
 * from its journal (an object evicted with no alarm set would otherwise wait forever). Due
 * deployment schedules join this tick with the schedules issue.
 *
 * @module
 */

import type { WeirEnv } from "./env.ts";
import { runObject } from "./rpc.ts";

/** Runs not updated for this long while not final are poked. */
export const STALE_AFTER_MS = 5 * 60_000;

/**
 * Pokes stale non-final runs; resolves to how many were poked.
 *
 * @example
 * ```ts
 * ctx.waitUntil(sweepStaleRuns(env, Date.now()));
 * ```
 */
export async function sweepStaleRuns(env: WeirEnv, now: number): Promise<number> {
  const { results } = await env.DB.prepare(
    `SELECT id FROM runs WHERE state_type IN ('PENDING', 'RUNNING', 'CANCELLING')
     AND updated_at < ? ORDER BY updated_at LIMIT 100`,
  )
    .bind(now - STALE_AFTER_MS)
    .all<{ id: string }>();
  await Promise.all(results.map((row) => runObject(env, row.id).childFinished(row.id)));
  return results.length;
}
