/**
 * Catch-up after downtime: which missed times of a schedule run, by the deployment's policy.
 * A time is missed when it would start more than MISSED_AFTER_MS after it (the Worker, or the
 * machine under `npm start`, was off). Two places meet missed times, and both ask
 * {@link missedToRun}:
 *
 * - the tick, for times past the schedule's horizon (`scheduled_until`) that nobody created;
 * - a run created ahead of time whose object wakes that late ({@link decideMissedRun}, which
 *   reads the policy from D1 only on this rare path).
 *
 * `skip` runs none, `latest` the most recent one, `all` the most recent MAX_CATCH_UP_RUNS.
 * Times less than MISSED_AFTER_MS late are not missed: they run (marked Late when more than
 * LATE_AFTER_MS late) whatever the policy.
 *
 * @module
 */

import {
  type CatchUpPolicy,
  MAX_CATCH_UP_RUNS,
  MISSED_AFTER_MS,
  type ScheduleSpec,
} from "../../protocol/deployment.ts";
import { nextTimes, previousTime } from "./schedule_times.ts";

/**
 * The missed times (ascending) that run under a policy: none for `skip`, the last one for
 * `latest`, the last MAX_CATCH_UP_RUNS for `all` (the most recent matter most).
 *
 * @example
 * ```ts
 * missedToRun("latest", [t1, t2, t3]); // [t3]
 * missedToRun("skip", [t1, t2, t3]); // []
 * ```
 */
export function missedToRun(policy: CatchUpPolicy, missed: readonly number[]): number[] {
  if (policy === "skip" || missed.length === 0) return [];
  if (policy === "latest") return missed.slice(-1);
  return missed.slice(-MAX_CATCH_UP_RUNS);
}

/**
 * The most recent missed times of a schedule after `afterMs`, at `nowMs`: those in
 * `(afterMs, nowMs - MISSED_AFTER_MS]`, at most `limit` of them (the latest), ascending. Found
 * walking back from the newest, so a year of downtime on a minutely schedule costs `limit`
 * steps, not half a million.
 *
 * @example
 * ```ts
 * missedTimes({ interval: 60 }, scheduledUntil, Date.now(), 100);
 * ```
 */
export function missedTimes(
  spec: ScheduleSpec,
  afterMs: number,
  nowMs: number,
  limit: number,
): number[] {
  const found: number[] = [];
  let t = previousTime(spec, nowMs - MISSED_AFTER_MS);
  while (t !== undefined && t > afterMs && found.length < limit) {
    found.push(t);
    t = previousTime(spec, t - 1);
  }
  return found.reverse();
}

/** What a run's object decides when it wakes more than MISSED_AFTER_MS after its time. */
export interface MissedRunVerdict {
  readonly run: boolean;
  readonly policy: CatchUpPolicy;
  /** Why it does not run (its Skipped state's message). */
  readonly message?: string;
}

/**
 * Whether a pre-created run of a schedule that wakes at `nowMs`, missed, runs. Pure: given the
 * policy and the schedule's times missed after this one.
 *
 * @example
 * ```ts
 * missedRunVerdict("latest", at, [at + 60_000], now); // { run: false, message: "…" }
 * ```
 */
export function missedRunVerdict(
  policy: CatchUpPolicy,
  scheduledAt: number,
  laterMissed: readonly number[],
  nowMs: number,
): MissedRunVerdict {
  if (missedToRun(policy, [scheduledAt, ...laterMissed]).includes(scheduledAt)) {
    return { run: true, policy };
  }
  const down = `Skipped: this run was scheduled for ${new Date(scheduledAt).toISOString()} and could not start until ${new Date(nowMs).toISOString()} (the scheduler was down)`;
  const why =
    policy === "skip"
      ? "the deployment's catch-up policy is 'skip', which runs no missed run"
      : policy === "latest"
        ? `the deployment's catch-up policy is 'latest', and a later time (${new Date(laterMissed[laterMissed.length - 1] ?? scheduledAt).toISOString()}) was also missed`
        : `the deployment's catch-up policy is 'all', which runs at most the ${MAX_CATCH_UP_RUNS} most recent missed runs`;
  return { run: false, policy, message: `${down}; ${why}` };
}

/**
 * The catch-up decision for a scheduled run that wakes missed, reading its deployment's
 * policy and its schedule from D1. A run whose deployment is gone does not run (deleting a
 * deployment discards its runs; one that escaped is not started); one whose schedule is gone
 * is decided by the policy alone.
 *
 * @example
 * ```ts
 * const verdict = await decideMissedRun(env.DB, { deploymentId, scheduleId, scheduledAt, nowMs: Date.now() });
 * ```
 */
export async function decideMissedRun(
  db: D1Database,
  run: { deploymentId: string; scheduleId: string; scheduledAt: number; nowMs: number },
): Promise<MissedRunVerdict> {
  const row = await db
    .prepare(
      `SELECT d.catch_up AS catchUp, s.spec AS spec FROM deployments d
       LEFT JOIN deployment_schedules s ON s.id = ? AND s.deployment_id = d.id
       WHERE d.id = ?`,
    )
    .bind(run.scheduleId, run.deploymentId)
    .first<{ catchUp: string; spec: string | null }>();
  if (row === null) {
    return {
      run: false,
      policy: "skip",
      message: `Skipped: this run was scheduled for ${new Date(run.scheduledAt).toISOString()}, missed, and its deployment '${run.deploymentId}' no longer exists`,
    };
  }
  const policy = catchUpPolicyOf(row.catchUp);
  let later: number[] = [];
  if (row.spec !== null && policy !== "skip") {
    const spec = JSON.parse(row.spec) as ScheduleSpec;
    later = nextTimes(spec, run.scheduledAt, {
      count: MAX_CATCH_UP_RUNS,
      untilMs: run.nowMs - MISSED_AFTER_MS,
    });
  }
  return missedRunVerdict(policy, run.scheduledAt, later, run.nowMs);
}

/**
 * A stored catch-up policy, `skip` for anything unknown (the column's default).
 *
 * @example
 * ```ts
 * catchUpPolicyOf("all"); // "all"
 * ```
 */
export function catchUpPolicyOf(value: string | null | undefined): CatchUpPolicy {
  return value === "latest" || value === "all" ? value : "skip";
}
