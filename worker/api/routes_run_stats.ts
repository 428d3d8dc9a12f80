/**
 * /api/runs/stats: runs counted by state type per time bucket, and the failed, late and
 * upcoming runs, read from the D1 run index (what the UI's dashboard shows). Each answer is one
 * grouped or ordered query (plus a count), never a read of the runs' objects.
 *
 * A run is placed in time by its expected start, `COALESCE(scheduled_at, created_at)` (see
 * protocol/run_stats.ts), so the scheduler's runs, created ahead of time, count where they
 * were meant to run.
 *
 * Register these routes before the run routes: `/api/runs/{id}` would otherwise take
 * `/api/runs/stats` for a run id and refuse it as one.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { LATE_AFTER_MS } from "../../protocol/deployment.ts";
import {
  bucketMs,
  MAX_STATS_BUCKETS,
  MAX_STATS_WINDOW_MS,
  type RunListKind,
  RunListQuery,
  RunListSchema,
  type RunStats,
  type RunStatsBucket,
  RunStatsQuery,
  RunStatsSchema,
} from "../../protocol/run_stats.ts";
import { StateType } from "../../runtime/states.ts";
import type { WeirEnv } from "../env.ts";
import { ApiError } from "./errors.ts";
import { timeProblem } from "./limits.ts";
import { type RunRow, runSummaryOf } from "./run_rows.ts";
import { errors, toEpochMs } from "./schemas.ts";

type App = OpenAPIHono<{ Bindings: WeirEnv }>;

/** The expected start of a run: its scheduled time, or its creation when it had none. */
const EXPECTED = "COALESCE(scheduled_at, created_at)";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The WHERE terms and their values for the filters both routes share. */
function filterTerms(q: { flow?: string; deployment?: string; tag?: string }): {
  where: string[];
  binds: unknown[];
} {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (q.flow !== undefined) {
    where.push("flow_name = ?");
    binds.push(q.flow);
  }
  if (q.deployment !== undefined) {
    where.push("deployment_id = ?");
    binds.push(q.deployment);
  }
  if (q.tag !== undefined) {
    where.push("EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?)");
    binds.push(q.tag);
  }
  return { where, binds };
}

/** A query time in epoch ms, or a 422 naming the field when it is outside the accepted range. */
function timeOf(value: number | string, field: string): number {
  const ms = toEpochMs(value);
  const problem = timeProblem(ms);
  if (problem !== undefined) throw new ApiError("invalid_value", `${field} ${problem}`, field);
  return ms;
}

/** The window and bucket size of a stats query, checked (422 naming the field). */
function windowOf(
  q: { since?: number | string; until?: number | string; bucket?: string },
  now: number,
): { since: number; until: number; bucket: number } {
  const until = q.until === undefined ? now : timeOf(q.until, "until");
  const since = q.since === undefined ? until - DAY_MS : timeOf(q.since, "since");
  if (since >= until) {
    throw new ApiError(
      "invalid_value",
      `since (${new Date(since).toISOString()}) must be before until (${new Date(until).toISOString()})`,
      "since",
    );
  }
  if (until - since > MAX_STATS_WINDOW_MS) {
    throw new ApiError(
      "invalid_value",
      `The window from since to until is ${Math.ceil((until - since) / DAY_MS)} days; the most is ${MAX_STATS_WINDOW_MS / DAY_MS}`,
      "since",
    );
  }
  const bucket = q.bucket === undefined ? HOUR_MS : (bucketMs(q.bucket) ?? 0);
  if (bucket < 1000) {
    throw new ApiError("invalid_value", `bucket '${q.bucket}' must be at least 1 second`, "bucket");
  }
  const count = Math.ceil((until - since) / bucket);
  if (count > MAX_STATS_BUCKETS) {
    throw new ApiError(
      "invalid_value",
      `bucket '${q.bucket ?? "1h"}' makes ${count} buckets of the window; the most is ${MAX_STATS_BUCKETS}: choose a larger bucket or a shorter window`,
      "bucket",
    );
  }
  return { since, until, bucket };
}

const STATE_TYPES = Object.values(StateType);

/**
 * Folds the grouped rows (bucket index, type, name, count) into the answer.
 *
 * @example
 * ```ts
 * foldStats(rows, { since: 0, until: 7_200_000, bucket: 3_600_000 }).buckets.length; // 2
 * ```
 */
export function foldStats(
  rows: readonly { b: number; state_type: string; state_name: string; n: number }[],
  window: { since: number; until: number; bucket: number },
): RunStats {
  const { since, until, bucket } = window;
  const size = Math.ceil((until - since) / bucket);
  const counts: Partial<Record<StateType, number>>[] = Array.from({ length: size }, () => ({}));
  const totals = Object.fromEntries(STATE_TYPES.map((t) => [t, 0])) as Record<StateType, number>;
  const names = new Map<string, { type: StateType; name: string; count: number }>();
  let count = 0;
  for (const row of rows) {
    const type = row.state_type as StateType;
    const slot = counts[row.b];
    if (slot === undefined) continue;
    slot[type] = (slot[type] ?? 0) + row.n;
    totals[type] = (totals[type] ?? 0) + row.n;
    const key = `${type}/${row.state_name}`;
    const named = names.get(key) ?? { type, name: row.state_name, count: 0 };
    named.count += row.n;
    names.set(key, named);
    count += row.n;
  }
  const buckets: RunStatsBucket[] = counts.map((c, i) => ({
    start: since + i * bucket,
    end: since + (i + 1) * bucket,
    total: Object.values(c).reduce((sum, n) => sum + (n ?? 0), 0),
    counts: c,
  }));
  return {
    since,
    until,
    bucketMs: bucket,
    buckets,
    totals,
    names: [...names.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    count,
  };
}

/**
 * A Scheduled run that should have started: its own object marks it Late when it starts that
 * late, so until then (or if its alarm was lost, which the tick repairs) the index still
 * shows it Scheduled. Both count as late; neither is upcoming.
 */
const OVERDUE = `(state_name = 'Late' OR (state_name = 'Scheduled' AND ${EXPECTED} < ?))`;

/** The WHERE term, its values and the ORDER BY of each list at `now`. */
function listOf(
  kind: RunListKind,
  now: number,
): { where: string; binds: unknown[]; order: string } {
  const overdueBefore = now - LATE_AFTER_MS;
  switch (kind) {
    case "failed":
      return {
        where: "state_type IN ('FAILED', 'CRASHED')",
        binds: [],
        order: `${EXPECTED} DESC, id DESC`,
      };
    case "late":
      return {
        where: `state_type = 'SCHEDULED' AND ${OVERDUE}`,
        binds: [overdueBefore],
        order: `${EXPECTED} ASC, id ASC`,
      };
    case "upcoming":
      return {
        where: `state_type = 'SCHEDULED' AND NOT ${OVERDUE}`,
        binds: [overdueBefore],
        order: `${EXPECTED} ASC, id ASC`,
      };
  }
}

/**
 * Registers GET /api/runs/stats and GET /api/runs/stats/runs (before the run routes).
 *
 * @example
 * ```ts
 * runStatsRoutes(app);
 * runRoutes(app);
 * ```
 */
export function runStatsRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/stats",
      summary: "Runs counted by state type per time bucket",
      description:
        "Counts the runs whose expected start (scheduled time, or creation time when not scheduled) is in [since, until), by state type, in buckets of `bucket` from `since`, with totals by type and by state name (so Late and AwaitingRetry runs are told apart). Defaults: the last 24 hours in 1-hour buckets. Read from the D1 index in one grouped query.",
      request: { query: RunStatsQuery },
      responses: {
        200: {
          description: "Counts per bucket and in all",
          content: { "application/json": { schema: RunStatsSchema } },
        },
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const window = windowOf(q, Date.now());
      const { where, binds } = filterTerms(q);
      // D1 may bind numbers as REAL: the cast makes the division a bucket index (the offset is
      // never negative, so truncating is flooring).
      const sql = `SELECT CAST((${EXPECTED} - ?) / ? AS INTEGER) AS b, state_type, state_name, COUNT(*) AS n
        FROM runs
        WHERE ${[`${EXPECTED} >= ?`, `${EXPECTED} < ?`, ...where].join(" AND ")}
        GROUP BY b, state_type, state_name`;
      const { results } = await c.env.DB.prepare(sql)
        .bind(window.since, window.bucket, window.since, window.until, ...binds)
        .all<{ b: number; state_type: string; state_name: string; n: number }>();
      // The wire types are readonly; the schema's inferred type is the same shape, mutable.
      const stats = foldStats(results, window) as unknown as z.infer<typeof RunStatsSchema>;
      return c.json(stats, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/stats/runs",
      summary: "Failed, late or upcoming runs, by expected start",
      description:
        "`failed`: FAILED and CRASHED runs, latest expected start first. `late`: SCHEDULED runs marked Late, or still Scheduled more than 15 s after their time, the most overdue first. `upcoming`: the other SCHEDULED runs (AwaitingRetry included), the soonest first. `since` and `until` bound the expected start (scheduled time, or creation time when not scheduled). Read from the D1 index.",
      request: { query: RunListQuery },
      responses: {
        200: {
          description: "The runs, and how many match in all",
          content: { "application/json": { schema: RunListSchema } },
        },
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const list = listOf(q.kind, Date.now());
      const { where, binds } = filterTerms(q);
      const terms = [list.where, ...where];
      const values = [...list.binds, ...binds];
      const since = q.since === undefined ? undefined : timeOf(q.since, "since");
      const until = q.until === undefined ? undefined : timeOf(q.until, "until");
      if (since !== undefined) {
        terms.push(`${EXPECTED} >= ?`);
        values.push(since);
      }
      if (until !== undefined) {
        terms.push(`${EXPECTED} < ?`);
        values.push(until);
      }
      if (since !== undefined && until !== undefined && since >= until) {
        throw new ApiError("invalid_value", "since must be before until", "since");
      }
      const filter = `WHERE ${terms.join(" AND ")}`;
      const [page, total] = await c.env.DB.batch([
        c.env.DB.prepare(`SELECT * FROM runs ${filter} ORDER BY ${list.order} LIMIT ?`).bind(
          ...values,
          q.limit,
        ),
        c.env.DB.prepare(`SELECT COUNT(*) AS n FROM runs ${filter}`).bind(...values),
      ]);
      const rows = (page?.results ?? []) as RunRow[];
      const count = (total?.results?.[0] as { n?: number } | undefined)?.n ?? 0;
      const answer = { kind: q.kind, runs: rows.map(runSummaryOf), count };
      return c.json(answer as unknown as z.infer<typeof RunListSchema>, 200);
    },
  );
}
