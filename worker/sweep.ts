/**
 * The every-minute cron tick's housekeeping: a run the index still shows as running but that
 * has not changed for a while is poked, so its Durable Object re-arms its alarm and resumes
 * from its journal (an object evicted with no alarm set would otherwise wait forever). The
 * tick runs it next to the scheduler (worker/scheduler/tick.ts).
 *
 * A run asleep (or waiting for a child) is Running and unchanged for as long as it sleeps;
 * its object answers the poke without waking it while its alarm is set. Such runs can be
 * many, so each tick pokes a random sample of the stale ones rather than the oldest, which
 * would be the same sleeping runs every minute.
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
     AND updated_at < ? ORDER BY RANDOM() LIMIT 100`,
  )
    .bind(now - STALE_AFTER_MS)
    .all<{ id: string }>();
  // Each object wakes its run only if the run's alarm is lost (see FlowRunObject.poke).
  await Promise.all(results.map((row) => runObject(env, row.id).poke()));
  return results.length;
}
