/**
 * How far ahead the scheduler creates a schedule's runs, with Prefect's rules: at least
 * {@link HORIZON}.minRuns runs and at least minAheadMs ahead of now, at most maxRuns runs and
 * maxAheadMs ahead. And when the rules would next want more ({@link nextDueAt}): the tick reads
 * a schedule again only then, so an idle schedule costs nothing per minute.
 *
 * @module
 */

import {
  type CatchUpPolicy,
  MAX_CATCH_UP_RUNS,
  MISSED_AFTER_MS,
  type ScheduleSpec,
} from "../../protocol/deployment.ts";
import { missedTimes, missedToRun } from "./catch_up.ts";
import { nextTimes } from "./schedule_times.ts";

/** Prefect's scheduler limits (its `PREFECT_API_SERVICES_SCHEDULER_*` defaults). */
export const HORIZON = {
  minRuns: 3,
  maxRuns: 100,
  minAheadMs: 3_600_000,
  maxAheadMs: 100 * 86_400_000,
} as const;

/**
 * The schedule's next times after `nowMs` within both maximums: what the rules choose from.
 *
 * @example
 * ```ts
 * upcomingTimes({ cron: "* * * * *" }, now).length; // 100
 * ```
 */
export function upcomingTimes(spec: ScheduleSpec, nowMs: number): number[] {
  return nextTimes(spec, nowMs, { count: HORIZON.maxRuns, untilMs: nowMs + HORIZON.maxAheadMs });
}

/**
 * The times the rules want created at `nowMs` (ascending, all after `nowMs`): the schedule's
 * next times up to the first one that makes both minimums, within both maximums.
 *
 * @example
 * ```ts
 * horizonTimes({ interval: 3600 }, now).length; // 3: three hours cover the hour
 * horizonTimes({ cron: "* * * * *" }, now).length; // 60 or 61: an hour of minutes
 * ```
 */
export function horizonTimes(
  spec: ScheduleSpec,
  nowMs: number,
  upcoming: readonly number[] = upcomingTimes(spec, nowMs),
): number[] {
  for (let i = HORIZON.minRuns - 1; i < upcoming.length; i++) {
    if ((upcoming[i] as number) >= nowMs + HORIZON.minAheadMs) return upcoming.slice(0, i + 1);
  }
  return [...upcoming];
}

/**
 * When the rules, applied to a schedule whose runs are created up to `scheduledUntil`, would
 * first want a run after it; `null` when the schedule has no time after it. Never later than
 * the truth (an early answer only costs one more read), never before `nowMs + 1`. `upcoming`
 * (from {@link upcomingTimes}) saves computing the schedule's times again.
 *
 * @example
 * ```ts
 * nextDueAt({ interval: 3600 }, now, now + 3 * 3_600_000); // now + 1 h: two runs would be left
 * ```
 */
export function nextDueAt(
  spec: ScheduleSpec,
  nowMs: number,
  scheduledUntil: number,
  upcoming: readonly number[] = upcomingTimes(spec, nowMs),
): number | null {
  const next =
    upcoming.find((t) => t > scheduledUntil) ?? nextTimes(spec, scheduledUntil, { count: 1 })[0];
  if (next === undefined) return null;
  // The created times still ahead; at most maxRuns (with more, the first is a safe answer).
  const ahead = upcoming.filter((t) => t <= scheduledUntil);
  const n = ahead.length;
  // Fewer than minRuns ahead once the (n - minRuns + 1)th of them has started…
  const fewRuns = n >= HORIZON.minRuns ? (ahead[n - HORIZON.minRuns] as number) : nowMs;
  // …or less than minAheadMs ahead…
  const shortAhead = scheduledUntil - HORIZON.minAheadMs;
  // …unless maxRuns are still ahead, when the rules want nothing more.
  const fullRuns = n >= HORIZON.maxRuns ? (ahead[0] as number) : nowMs;
  // And the next time can be created only once it is within maxAheadMs.
  const reachable = next - HORIZON.maxAheadMs;
  return Math.max(nowMs + 1, fullRuns, Math.min(fewRuns, shortAhead), reachable);
}

/** One schedule row, as the tick reads it. */
export interface ScheduleState {
  readonly spec: ScheduleSpec;
  /** The last time runs were created up to; null before the first tick (or after a reset). */
  readonly scheduledUntil: number | null;
  readonly catchUp: CatchUpPolicy;
}

/** What the tick does for one schedule. */
export interface SchedulePlan {
  /** Times to create runs for, ascending: missed ones the policy keeps, recent ones, future ones. */
  readonly times: readonly number[];
  /** How many of `times` are missed times kept by the catch-up policy. */
  readonly catchUp: number;
  /** The row's new `scheduled_until` once every time is created. */
  readonly scheduledUntil: number;
  /** The row's new `due_at`; null when the schedule has no time left. */
  readonly dueAt: number | null;
}

/**
 * The tick's plan for one schedule at `nowMs`: its missed times by the catch-up policy, its
 * times since the horizon that are late but not missed, and the future times the rules want
 * that are not created yet. A first tick (no horizon) schedules from now.
 *
 * @example
 * ```ts
 * const plan = planSchedule({ spec: { interval: 3600 }, scheduledUntil: null, catchUp: "skip" }, now);
 * plan.times.length; // 3
 * ```
 */
export function planSchedule(state: ScheduleState, nowMs: number): SchedulePlan {
  const { spec, scheduledUntil } = state;
  // Missed times only after downtime: nothing is missed while the horizon is ahead of now.
  const kept =
    scheduledUntil === null || scheduledUntil >= nowMs - MISSED_AFTER_MS
      ? []
      : missedToRun(state.catchUp, missedTimes(spec, scheduledUntil, nowMs, MAX_CATCH_UP_RUNS));
  // Since the horizon, up to now, and not missed: late, so they run at once whatever the policy.
  const recent =
    scheduledUntil === null || scheduledUntil >= nowMs
      ? []
      : nextTimes(spec, Math.max(scheduledUntil, nowMs - MISSED_AFTER_MS), {
          count: HORIZON.maxRuns,
          untilMs: nowMs,
        });
  const upcoming = upcomingTimes(spec, nowMs);
  const future = horizonTimes(spec, nowMs, upcoming).filter(
    (t) => scheduledUntil === null || t > scheduledUntil,
  );
  const until = Math.max(scheduledUntil ?? nowMs, nowMs, future[future.length - 1] ?? nowMs);
  return {
    times: [...kept, ...recent, ...future],
    catchUp: kept.length,
    scheduledUntil: until,
    dueAt: nextDueAt(spec, nowMs, until, upcoming),
  };
}
