/**
 * A row of the D1 run index (`runs`, migrations 0001–0002) and the run summary the API answers
 * for it: one reading for every route that lists runs (the runs list, a deployment's runs, the
 * dashboard's lists).
 *
 * @module
 */

import type { z } from "@hono/zod-openapi";
import type { RunSummarySchema } from "../../protocol/run.ts";
import type { StateType } from "../../protocol/state.ts";

/** A run summary as the routes answer it (the wire type, mutable as Hono's JSON types want). */
export type RunSummaryJson = z.infer<typeof RunSummarySchema> & { state: { type: StateType } };

/** A `runs` row as D1 returns it. */
export interface RunRow {
  id: string;
  flow_name: string;
  name: string;
  deployment_id: string | null;
  parent_run_id: string | null;
  state_type: string;
  state_name: string;
  tags: string;
  created_at: number;
  updated_at: number;
  scheduled_at: number | null;
  started_at: number | null;
  ended_at: number | null;
}

/**
 * The API's summary of an index row.
 *
 * @example
 * ```ts
 * const runs = (results as RunRow[]).map(runSummaryOf);
 * ```
 */
export function runSummaryOf(row: RunRow): RunSummaryJson {
  return {
    id: row.id,
    flowName: row.flow_name,
    name: row.name,
    deploymentId: row.deployment_id,
    parentRunId: row.parent_run_id,
    state: { type: row.state_type as StateType, name: row.state_name },
    tags: JSON.parse(row.tags) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}
