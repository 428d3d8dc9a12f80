/**
 * Run statistics on the wire (GET /api/runs/stats) and the lists the dashboard shows beside
 * them (GET /api/runs/stats/runs): runs counted by state type per time bucket, and the failed,
 * late and upcoming runs.
 *
 * A run is placed in time by its expected start: the time it was scheduled for, or when it was
 * created if it was not scheduled. That time does not move when the run starts, so a run stays
 * in its bucket, and a run the scheduler created days ahead counts where it was meant to run,
 * not when it was created.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { StateType } from "../runtime/states.ts";
import { label } from "./limits.ts";
import { type RunSummary, RunSummarySchema } from "./run.ts";

/** The most buckets one stats request may ask for. */
export const MAX_STATS_BUCKETS = 1000;

/** The longest window a stats request may cover (400 days). */
export const MAX_STATS_WINDOW_MS = 400 * 86_400_000;

/**
 * One time bucket of {@link RunStats}: runs whose expected start is in `[start, end)`, by
 * state type (types with no runs are left out).
 *
 * @example
 * ```ts
 * const failed = bucket.counts.FAILED ?? 0;
 * ```
 */
export interface RunStatsBucket {
  readonly start: number;
  readonly end: number;
  readonly total: number;
  readonly counts: Partial<Record<StateType, number>>;
}

/**
 * GET /api/runs/stats: runs counted by state in a window, and per bucket.
 *
 * @example
 * ```ts
 * const stats: RunStats = await client.runStats({ bucket: "1h" });
 * console.log(stats.totals.COMPLETED, stats.buckets.length); // e.g. 12 24
 * ```
 */
export interface RunStats {
  /** The window, epoch ms: `since` inclusive, `until` exclusive. */
  readonly since: number;
  readonly until: number;
  readonly bucketMs: number;
  /** Every bucket of the window in order, empty ones included; the last may end after `until`. */
  readonly buckets: readonly RunStatsBucket[];
  /** Runs in the window by state type; every type is present (0 when none). */
  readonly totals: Readonly<Record<StateType, number>>;
  /** Runs in the window by state name (`Late`, `AwaitingRetry`, `Cached`…), most first. */
  readonly names: readonly {
    readonly type: StateType;
    readonly name: string;
    readonly count: number;
  }[];
  readonly count: number;
}

/**
 * Which runs GET /api/runs/stats/runs lists: `failed` (FAILED or CRASHED, latest expected
 * start first), `late` (SCHEDULED runs named Late, or still named Scheduled more than
 * `LATE_AFTER_MS` after their time; the most overdue first) or `upcoming` (the other SCHEDULED
 * runs, the soonest first).
 */
export const RunListKind = { FAILED: "failed", LATE: "late", UPCOMING: "upcoming" } as const;

/** One of the {@link RunListKind} values. */
export type RunListKind = (typeof RunListKind)[keyof typeof RunListKind];

/**
 * GET /api/runs/stats/runs: the runs of a kind, and how many there are in all.
 *
 * @example
 * ```ts
 * const { runs, count } = await client.runList("upcoming", { limit: 5 });
 * ```
 */
export interface RunList {
  readonly kind: RunListKind;
  readonly runs: readonly RunSummary[];
  readonly count: number;
}

/** A time in a query string: epoch ms digits or ISO 8601 (as GET /api/runs takes them). */
const queryTimestamp = z
  .union([
    z.iso.datetime({ offset: true }),
    // Digits only: `z.coerce.number()` would read an empty value as 0 (1970).
    z
      .string()
      .regex(/^\d{1,16}$/, "must be epoch ms digits or an ISO 8601 date-time")
      .transform(Number),
  ])
  .openapi({ description: "Epoch ms or an ISO 8601 date-time" });

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A bucket size in milliseconds from its text: seconds (`"900"`) or a number with a unit
 * (`"15m"`, `"1h"`, `"1d"`); undefined when the text is neither.
 *
 * @example
 * ```ts
 * bucketMs("1h"); // 3600000
 * ```
 */
export function bucketMs(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (match === null) return undefined;
  const unit = (match[2] === "" ? "s" : match[2]) as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}

/** Filters both routes take: the same ones as GET /api/runs. */
const filters = {
  flow: label(200).optional(),
  deployment: label(200).optional(),
  tag: label(100).optional(),
};

/**
 * GET /api/runs/stats query. `since` defaults to 24 hours before `until`, `until` to now, and
 * `bucket` to an hour.
 *
 * @example
 * ```ts
 * RunStatsQuery.parse({ since: "2026-11-28T00:00:00Z", bucket: "1h" });
 * ```
 */
export const RunStatsQuery = z.object({
  since: queryTimestamp.optional(),
  until: queryTimestamp.optional(),
  bucket: z
    .string()
    .regex(
      /^\d{1,9}[smhd]?$/,
      'must be seconds ("900") or a number with a unit ("15m", "1h", "1d")',
    )
    .optional()
    .openapi({ description: 'Bucket size: seconds, or "30s", "15m", "1h", "1d". Default 1h' }),
  ...filters,
});

/**
 * GET /api/runs/stats/runs query. `since` and `until` bound the expected start (no bound when
 * left out).
 *
 * @example
 * ```ts
 * RunListQuery.parse({ kind: "upcoming", limit: "5" });
 * ```
 */
export const RunListQuery = z.object({
  kind: z.enum([RunListKind.FAILED, RunListKind.LATE, RunListKind.UPCOMING]),
  since: queryTimestamp.optional(),
  until: queryTimestamp.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  ...filters,
});

/**
 * The stats answer as a zod schema, for the OpenAPI document.
 *
 * @example
 * ```ts
 * RunStatsSchema.parse(await res.json());
 * ```
 */
export const RunStatsSchema = z
  .object({
    since: z.number(),
    until: z.number(),
    bucketMs: z.number(),
    buckets: z.array(
      z.object({
        start: z.number(),
        end: z.number(),
        total: z.number(),
        counts: z.record(z.string(), z.number()),
      }),
    ),
    totals: z.record(z.string(), z.number()),
    names: z.array(z.object({ type: z.string(), name: z.string(), count: z.number() })),
    count: z.number(),
  })
  .openapi("RunStats");

/**
 * The list answer as a zod schema, for the OpenAPI document.
 *
 * @example
 * ```ts
 * RunListSchema.parse(await res.json());
 * ```
 */
export const RunListSchema = z
  .object({
    kind: z.enum([RunListKind.FAILED, RunListKind.LATE, RunListKind.UPCOMING]),
    runs: z.array(RunSummarySchema),
    count: z.number(),
  })
  .openapi("RunList");
