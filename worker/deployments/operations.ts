/**
 * What the deployment routes do, apart from HTTP: create a deployment after checking it
 * (flow registered, schedules meaningful, defaults valid; a 422 naming the field, a 409 for a
 * taken name), and revise one (PATCH, pause, resume, schedule edits) through changes.ts, with
 * a changed concurrency limit brought to the limits in use (limit_sync.ts).
 *
 * @module
 */

import type { Deployment, ScheduleSpec } from "../../protocol/deployment.ts";
import { ApiError } from "../api/errors.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { commitRevision, fieldsOf, planRevision, randomScheduleId } from "./changes.ts";
import { syncDeploymentLimits } from "./limit_sync.ts";
import {
  type DeploymentFields,
  readDeployment,
  readDeploymentByName,
  type StoredDeployment,
  toDeployment,
} from "./store.ts";
import { defaultsProblem, flowOf, schedulesProblem, specProblem } from "./validate.ts";

function invalid(problem: { field: string; message: string }): ApiError {
  return new ApiError(
    problem.field.startsWith("parameters") ? "invalid_parameters" : "invalid_value",
    problem.message,
    problem.field,
  );
}

/**
 * Throws the 422 for the first schedule spec that means nothing, naming
 * `schedules.<i>.schedule.<field>`.
 *
 * @example
 * ```ts
 * checkSchedules([{ schedule: { cron: "61 * * * *" } }]); // ApiError field "schedules.0.schedule.cron"
 * ```
 */
export function checkSchedules(schedules: readonly { readonly schedule: ScheduleSpec }[]): void {
  const problem = schedulesProblem(schedules);
  if (problem !== undefined) throw invalid(problem);
}

/**
 * Throws the 422 for a schedule spec that means nothing, naming `schedule.<field>` (the body
 * of the schedule routes).
 *
 * @example
 * ```ts
 * checkSpec({ cron: "61 * * * *" }); // ApiError field "schedule.cron"
 * ```
 */
export function checkSpec(spec: ScheduleSpec): void {
  const problem = specProblem(spec, "schedule");
  if (problem !== undefined) throw invalid(problem);
}

/**
 * Throws the 422 for default parameters that do not fit the flow (see validate.ts: required
 * parameters may be left to each run).
 *
 * @example
 * ```ts
 * await checkDefaults(registry, "sum", { n: "x" }); // ApiError field "parameters.n"
 * ```
 */
export async function checkDefaults(
  registry: FlowRegistry,
  flowName: string,
  parameters: Record<string, unknown>,
): Promise<void> {
  const flow = flowOf(registry, flowName);
  if ("field" in flow) throw invalid(flow);
  const problem = await defaultsProblem(flow, parameters);
  if (problem !== undefined) throw invalid(problem);
}

/**
 * A deployment's rows, or a 404 naming the id.
 *
 * @example
 * ```ts
 * const stored = await storedOr404(env.DB, id);
 * ```
 */
export async function storedOr404(db: D1Database, id: string): Promise<StoredDeployment> {
  const stored = await readDeployment(db, id);
  if (stored === undefined) throw new ApiError("not_found", `No deployment with id '${id}'`);
  return stored;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/i.test(error.message);
}

function taken(fields: DeploymentFields): ApiError {
  return new ApiError(
    "conflict",
    `A deployment named '${fields.flowName}/${fields.name}' already exists; change it with PATCH /api/deployments/{id} or choose another name`,
    "name",
  );
}

/**
 * Creates a deployment over the API (source `api`) after checking it.
 *
 * @example
 * ```ts
 * const d = await createDeployment(env, registry, fields, Date.now());
 * ```
 * @throws {ApiError} 422 naming the field; 409 when `flowName/name` exists.
 */
export async function createDeployment(
  env: WeirEnv,
  registry: FlowRegistry,
  fields: DeploymentFields,
  now: number,
): Promise<Deployment> {
  await checkDefaults(registry, fields.flowName, fields.parameters);
  checkSchedules(fields.schedules);
  if ((await readDeploymentByName(env.DB, fields.flowName, fields.name)) !== undefined) {
    throw taken(fields);
  }
  const id = crypto.randomUUID();
  const plan = await planRevision(env.DB, undefined, id, fields, "api", now, randomScheduleId);
  try {
    await commitRevision(env, id, plan);
  } catch (error) {
    // Two creations of the same name at once: the second loses here.
    if (isUniqueViolation(error)) throw taken(fields);
    throw error;
  }
  return toDeployment(await storedOr404(env.DB, id), now);
}

/**
 * Brings a stored deployment to `change(fields)`, keeping its source, and answers it. Default
 * parameters are checked when they change; schedules are checked by the caller (it knows the
 * field names its body uses).
 *
 * @example
 * ```ts
 * const d = await reviseDeployment(env, registry, stored, (f) => ({ ...f, paused: true }), now);
 * ```
 */
export async function reviseDeployment(
  env: WeirEnv,
  registry: FlowRegistry,
  stored: StoredDeployment,
  change: (fields: DeploymentFields) => DeploymentFields,
  now: number,
): Promise<Deployment> {
  const before = fieldsOf(stored);
  const fields = change(before);
  if (fields.parameters !== before.parameters) {
    await checkDefaults(registry, fields.flowName, fields.parameters);
  }
  const source = stored.row.source === "code" ? "code" : "api";
  const plan = await planRevision(
    env.DB,
    stored,
    stored.row.id,
    fields,
    source,
    now,
    randomScheduleId,
  );
  if (!plan.changed) return toDeployment(stored, now);
  // The limits in use first: should the commit fail, the next run declares the stored value
  // again, and a retried PATCH finds the rows unchanged.
  await syncDeploymentLimits(env, stored.row.id, before.concurrencyLimit, fields.concurrencyLimit);
  await commitRevision(env, stored.row.id, plan);
  return toDeployment(await storedOr404(env.DB, stored.row.id), now);
}
