/**
 * Deployments and their schedules in D1 (worker/migrations/0002_deployments.sql, with the
 * concurrency columns of 0003_concurrency.sql): reading rows as the wire's `Deployment`
 * (store_rows.ts writes them). What a change means for the scheduler (runs to discard, when
 * the schedule is next due) is decided in changes.ts.
 *
 * @module
 */

import type { z } from "@hono/zod-openapi";
import type { CollisionStrategy } from "../../protocol/concurrency.ts";
import type {
  CatchUpPolicy,
  CreateDeploymentBody,
  Deployment,
  DeploymentSchedule,
  ScheduleSpec,
} from "../../protocol/deployment.ts";
import { nextTimes } from "../scheduler/schedule_times.ts";

/** A row of `deployments`. */
export interface DeploymentRow {
  readonly id: string;
  readonly flow_name: string;
  readonly name: string;
  readonly description: string | null;
  readonly version: string | null;
  readonly tags: string;
  readonly parameters: string;
  readonly paused: number;
  readonly catch_up: string;
  readonly concurrency_limit: number | null;
  readonly collision_strategy: string;
  readonly concurrency_key: string | null;
  readonly source: string;
  readonly created_at: number;
  readonly updated_at: number;
}

/** A row of `deployment_schedules`. */
export interface ScheduleRow {
  readonly id: string;
  readonly deployment_id: string;
  readonly position: number;
  readonly spec: string;
  readonly active: number;
  readonly scheduled_until: number | null;
  readonly due_at: number | null;
  readonly created_at: number;
  readonly updated_at: number;
}

/** A deployment's row with its schedules' rows, in position order. */
export interface StoredDeployment {
  readonly row: DeploymentRow;
  readonly schedules: readonly ScheduleRow[];
}

/** A schedule as a deployment is given it. */
export interface ScheduleInput {
  readonly schedule: ScheduleSpec;
  readonly active: boolean;
  /** The stored schedule this one is (its spec may change); without it, matched by spec. */
  readonly id?: string;
}

/** Every field of a deployment a caller chooses (the parsed `CreateDeploymentBody`). */
export interface DeploymentFields {
  readonly flowName: string;
  readonly name: string;
  readonly description: string | null;
  readonly version: string | null;
  readonly tags: readonly string[];
  readonly parameters: Record<string, unknown>;
  readonly schedules: readonly ScheduleInput[];
  readonly paused: boolean;
  readonly catchUp: CatchUpPolicy;
  readonly concurrencyLimit: number | null;
  readonly collisionStrategy: CollisionStrategy;
  readonly concurrencyKey: string | null;
}

/**
 * A deployment's fields from a validated create body (POST /api/deployments, or a deployment
 * declared in code), with the optional texts as null.
 *
 * @example
 * ```ts
 * const fields = deploymentFields(CreateDeploymentBody.parse(json));
 * ```
 */
export function deploymentFields(body: z.output<typeof CreateDeploymentBody>): DeploymentFields {
  return {
    flowName: body.flowName,
    name: body.name,
    description: body.description ?? null,
    version: body.version ?? null,
    tags: body.tags,
    parameters: body.parameters,
    schedules: body.schedules,
    paused: body.paused,
    catchUp: body.catchUp,
    concurrencyLimit: body.concurrencyLimit,
    collisionStrategy: body.collisionStrategy,
    concurrencyKey: body.concurrencyKey,
  };
}

/**
 * A stored collision strategy as the wire's (anything unknown reads as the default).
 *
 * @example
 * ```ts
 * collisionStrategyOf(row.collision_strategy); // "ENQUEUE" | "CANCEL_NEW"
 * ```
 */
export function collisionStrategyOf(stored: string): CollisionStrategy {
  return stored === "CANCEL_NEW" ? "CANCEL_NEW" : "ENQUEUE";
}

const SCHEDULES_OF = "SELECT * FROM deployment_schedules WHERE deployment_id = ? ORDER BY position";

async function withSchedules(
  db: D1Database,
  row: DeploymentRow | null,
): Promise<StoredDeployment | undefined> {
  if (row === null) return undefined;
  const { results } = await db.prepare(SCHEDULES_OF).bind(row.id).all<ScheduleRow>();
  return { row, schedules: results };
}

/**
 * A deployment's rows by id.
 *
 * @example
 * ```ts
 * const stored = await readDeployment(env.DB, id);
 * ```
 */
export async function readDeployment(
  db: D1Database,
  id: string,
): Promise<StoredDeployment | undefined> {
  const [row, schedules] = await db.batch([
    db.prepare("SELECT * FROM deployments WHERE id = ?").bind(id),
    db.prepare(SCHEDULES_OF).bind(id),
  ]);
  const found = (row?.results as DeploymentRow[] | undefined)?.[0];
  if (found === undefined) return undefined;
  return { row: found, schedules: (schedules?.results ?? []) as ScheduleRow[] };
}

/**
 * A deployment's rows by flow name and deployment name.
 *
 * @example
 * ```ts
 * const stored = await readDeploymentByName(env.DB, "reddit-pipeline", "every-2h");
 * ```
 */
export async function readDeploymentByName(
  db: D1Database,
  flowName: string,
  name: string,
): Promise<StoredDeployment | undefined> {
  const row = await db
    .prepare("SELECT * FROM deployments WHERE flow_name = ? AND name = ?")
    .bind(flowName, name)
    .first<DeploymentRow>();
  return withSchedules(db, row);
}

/**
 * Every deployment's rows (of one flow, when given), sorted by flow name then name.
 *
 * @example
 * ```ts
 * const all = await readDeployments(env.DB, { source: "code" });
 * ```
 */
export async function readDeployments(
  db: D1Database,
  filter: { readonly flowName?: string; readonly source?: "code" | "api" } = {},
): Promise<StoredDeployment[]> {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (filter.flowName !== undefined) {
    where.push("d.flow_name = ?");
    binds.push(filter.flowName);
  }
  if (filter.source !== undefined) {
    where.push("d.source = ?");
    binds.push(filter.source);
  }
  const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
  const [rows, schedules] = await db.batch([
    db.prepare(`SELECT * FROM deployments d ${clause} ORDER BY flow_name, name`).bind(...binds),
    db
      .prepare(
        `SELECT s.* FROM deployment_schedules s JOIN deployments d ON d.id = s.deployment_id ${clause} ORDER BY s.deployment_id, s.position`,
      )
      .bind(...binds),
  ]);
  const byDeployment = new Map<string, ScheduleRow[]>();
  for (const s of (schedules?.results ?? []) as ScheduleRow[]) {
    const list = byDeployment.get(s.deployment_id) ?? [];
    list.push(s);
    byDeployment.set(s.deployment_id, list);
  }
  return ((rows?.results ?? []) as DeploymentRow[]).map((row) => ({
    row,
    schedules: byDeployment.get(row.id) ?? [],
  }));
}

/** The next time a schedule runs after `now`, or null (inactive, paused, no more times). */
function nextRunAt(spec: ScheduleSpec, live: boolean, now: number): number | null {
  if (!live) return null;
  try {
    return nextTimes(spec, now, { count: 1 })[0] ?? null;
  } catch (error) {
    // A spec stored before the rules changed (a time zone dropped from the runtime's data)
    // shows no next time rather than failing the whole listing.
    console.error("weir: cannot compute the next time of a stored schedule", spec, error);
    return null;
  }
}

/**
 * A deployment as the API answers it.
 *
 * @example
 * ```ts
 * return c.json(toDeployment(stored, Date.now()), 200);
 * ```
 */
export function toDeployment(stored: StoredDeployment, now: number): Deployment {
  const { row } = stored;
  const paused = row.paused !== 0;
  const schedules: DeploymentSchedule[] = stored.schedules.map((s) => {
    const schedule = JSON.parse(s.spec) as ScheduleSpec;
    const active = s.active !== 0;
    return { id: s.id, active, schedule, nextRunAt: nextRunAt(schedule, active && !paused, now) };
  });
  return {
    id: row.id,
    flowName: row.flow_name,
    name: row.name,
    description: row.description,
    version: row.version,
    tags: JSON.parse(row.tags) as string[],
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    schedules,
    paused,
    catchUp: row.catch_up as CatchUpPolicy,
    concurrencyLimit: row.concurrency_limit,
    collisionStrategy: collisionStrategyOf(row.collision_strategy),
    concurrencyKey: row.concurrency_key,
    source: row.source === "code" ? "code" : "api",
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A deployment by id, as the API answers it.
 *
 * @example
 * ```ts
 * const d = await getDeployment(env.DB, id);
 * ```
 */
export async function getDeployment(
  db: D1Database,
  id: string,
  now = Date.now(),
): Promise<Deployment | undefined> {
  const stored = await readDeployment(db, id);
  return stored === undefined ? undefined : toDeployment(stored, now);
}

/**
 * A deployment by `flow-name/deployment-name`, as the API answers it.
 *
 * @example
 * ```ts
 * const d = await getDeploymentByName(env.DB, "iris-data-science", "on-demand");
 * ```
 */
export async function getDeploymentByName(
  db: D1Database,
  flowName: string,
  name: string,
  now = Date.now(),
): Promise<Deployment | undefined> {
  const stored = await readDeploymentByName(db, flowName, name);
  return stored === undefined ? undefined : toDeployment(stored, now);
}

/**
 * Every deployment (of one flow, when given), sorted by flow name then name.
 *
 * @example
 * ```ts
 * const { length } = await listDeployments(env.DB);
 * ```
 */
export async function listDeployments(
  db: D1Database,
  filter: { readonly flowName?: string } = {},
  now = Date.now(),
): Promise<Deployment[]> {
  return (await readDeployments(db, filter)).map((s) => toDeployment(s, now));
}
