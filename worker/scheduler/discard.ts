/**
 * Deleting the runs a schedule created that have not started: pausing a deployment,
 * deactivating, changing or deleting a schedule, or deleting a deployment calls this. Each
 * run's own object decides (`discard()`): it deletes the run only if it has not started, so a
 * run that its alarm is starting right now is kept.
 *
 * @module
 */

import type { WeirEnv } from "../env.ts";
import { runObject } from "../rpc.ts";

/** How many runs' objects are asked at once. */
const IN_FLIGHT = 50;

/** What {@link discardScheduledRuns} did. */
export interface DiscardSummary {
  /** Runs deleted. */
  readonly discarded: number;
  /** Runs that had started meanwhile, kept. */
  readonly kept: number;
}

/**
 * Deletes the scheduler's runs of a deployment (or of one of its schedules) that have not
 * started: their storage, alarm and index row.
 *
 * @example
 * ```ts
 * await discardScheduledRuns(env, { deploymentId: deployment.id }); // on pause
 * await discardScheduledRuns(env, { deploymentId, scheduleId }); // on a schedule edit
 * ```
 */
export async function discardScheduledRuns(
  env: WeirEnv,
  target: { readonly deploymentId: string; readonly scheduleId?: string },
): Promise<DiscardSummary> {
  // Through runs_by_deployment: the deployment's SCHEDULED runs, the scheduler's only.
  const query =
    target.scheduleId === undefined
      ? env.DB.prepare(
          `SELECT id FROM runs WHERE deployment_id = ? AND state_type = 'SCHEDULED'
           AND schedule_id IS NOT NULL AND started_at IS NULL`,
        ).bind(target.deploymentId)
      : env.DB.prepare(
          `SELECT id FROM runs WHERE deployment_id = ? AND state_type = 'SCHEDULED'
           AND schedule_id = ? AND started_at IS NULL`,
        ).bind(target.deploymentId, target.scheduleId);
  const { results } = await query.all<{ id: string }>();
  let discarded = 0;
  let kept = 0;
  const orphans: string[] = [];
  for (let i = 0; i < results.length; i += IN_FLIGHT) {
    const batch = results.slice(i, i + IN_FLIGHT);
    const answers = await Promise.all(batch.map((row) => runObject(env, row.id).discard()));
    answers.forEach((answer, j) => {
      if (answer.discarded) discarded++;
      else if (answer.reason === "no-run") orphans.push((batch[j] as { id: string }).id);
      else kept++;
    });
  }
  // An index row whose object holds no run: an earlier discard that could not reach D1.
  if (orphans.length > 0) {
    await env.DB.batch(
      orphans.map((id) =>
        env.DB.prepare("DELETE FROM runs WHERE id = ? AND state_type = 'SCHEDULED'").bind(id),
      ),
    );
    discarded += orphans.length;
  }
  return { discarded, kept };
}
