/**
 * Changing a deployment, one way for the API and for code-declared deployments: the rows are
 * brought to the fields wanted, and the scheduler is told what changed. A schedule whose spec
 * is kept keeps its id; one that goes from live (active, deployment not paused) to not live,
 * or is removed, has its unstarted scheduled runs discarded; one that becomes live, or is new,
 * is due at once with no `scheduled_until`, so the next tick schedules it from now. The tick
 * (worker/scheduler/tick.ts) owns `due_at` after that. A changed row's `updated_at` always moves
 * forward (even within one millisecond), since the tick writes its results only if it has not.
 *
 * @module
 */

import type { ScheduleSpec } from "../../protocol/deployment.ts";
import { canonicalJson } from "../api/create_run.ts";
import type { WeirEnv } from "../env.ts";
import { discardScheduledRuns } from "../scheduler/discard.ts";
import { removeDeploymentLimits } from "./limit_sync.ts";
import { collisionStrategyOf, type DeploymentFields, type StoredDeployment } from "./store.ts";
import {
  deleteDeploymentRows,
  insertDeploymentRow,
  insertScheduleRow,
  updateDeploymentRow,
} from "./store_rows.ts";

/** How a new schedule gets its id: its spec and how many equal specs come before it. */
export type ScheduleIdFor = (spec: ScheduleSpec, occurrence: number) => Promise<string> | string;

/** A random id for every new schedule (schedules created over the API). */
export const randomScheduleId: ScheduleIdFor = () => crypto.randomUUID();

/**
 * The scheduling columns of a schedule row whose spec, `active` or deployment's `paused`
 * changed: nothing scheduled yet, and due now when it is live (the tick then creates its runs
 * from now), never when not.
 *
 * @example
 * ```ts
 * const { scheduledUntil, dueAt } = rescheduled(active && !paused, now);
 * ```
 */
export function rescheduled(
  live: boolean,
  now: number,
): { scheduledUntil: null; dueAt: number | null } {
  return { scheduledUntil: null, dueAt: live ? now : null };
}

/** What bringing a deployment to its wanted fields takes. */
export interface Revision {
  /** D1 statements, run as one batch (a transaction). */
  readonly statements: D1PreparedStatement[];
  /** Schedules whose unstarted scheduled runs go once the statements have run. */
  readonly discard: readonly string[];
  /** Whether anything changes. */
  readonly changed: boolean;
}

function sameFields(stored: StoredDeployment, fields: DeploymentFields, source: string): boolean {
  const { row } = stored;
  return (
    row.description === fields.description &&
    row.version === fields.version &&
    canonicalJson(JSON.parse(row.tags)) === canonicalJson(fields.tags) &&
    canonicalJson(JSON.parse(row.parameters)) === canonicalJson(fields.parameters) &&
    (row.paused !== 0) === fields.paused &&
    row.catch_up === fields.catchUp &&
    row.concurrency_limit === fields.concurrencyLimit &&
    collisionStrategyOf(row.collision_strategy) === fields.collisionStrategy &&
    row.concurrency_key === fields.concurrencyKey &&
    row.source === source
  );
}

/**
 * Plans bringing deployment `id` (stored as `stored`, or new) to `fields`. A wanted schedule
 * with an `id` is that stored schedule (its spec may change); one without takes the first
 * unmatched stored schedule with an equal spec, keeping its id and what the tick has scheduled
 * for it. The rest are inserted with ids from `newScheduleId`, and stored ones left unmatched
 * are removed.
 *
 * @example
 * ```ts
 * const plan = await planRevision(env.DB, stored, id, fields, "api", now, randomScheduleId);
 * await commitRevision(env, id, plan);
 * ```
 */
export async function planRevision(
  db: D1Database,
  stored: StoredDeployment | undefined,
  id: string,
  fields: DeploymentFields,
  source: "code" | "api",
  now: number,
  newScheduleId: ScheduleIdFor,
): Promise<Revision> {
  const statements: D1PreparedStatement[] = [];
  const discard: string[] = [];
  if (stored === undefined) statements.push(insertDeploymentRow(db, id, fields, source, now));
  else if (!sameFields(stored, fields, source)) {
    statements.push(updateDeploymentRow(db, id, fields, source, now));
  }
  const pausedBefore = stored !== undefined && stored.row.paused !== 0;
  const unmatched = [...(stored?.schedules ?? [])].map((row) => ({
    row,
    key: canonicalJson(JSON.parse(row.spec)),
  }));
  const take = (found: (u: (typeof unmatched)[number]) => boolean) => {
    const at = unmatched.findIndex(found);
    return at === -1 ? undefined : unmatched.splice(at, 1)[0];
  };
  // Schedules named by id first, so a schedule matched by spec cannot take one of theirs.
  const byId = fields.schedules.map((w) =>
    w.id === undefined ? undefined : take((u) => u.row.id === w.id),
  );
  const seen = new Map<string, number>();
  for (const [position, wanted] of fields.schedules.entries()) {
    const key = canonicalJson(wanted.schedule);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const liveAfter = wanted.active && !fields.paused;
    const match =
      byId[position] ?? (wanted.id === undefined ? take((u) => u.key === key) : undefined);
    if (match === undefined) {
      const scheduleId = wanted.id ?? (await newScheduleId(wanted.schedule, occurrence));
      const { dueAt } = rescheduled(liveAfter, now);
      statements.push(
        insertScheduleRow(
          db,
          {
            id: scheduleId,
            deploymentId: id,
            position,
            spec: wanted.schedule,
            active: wanted.active,
            dueAt,
          },
          now,
        ),
      );
      continue;
    }
    const { row } = match;
    const liveBefore = row.active !== 0 && !pausedBefore;
    if (liveBefore !== liveAfter || match.key !== key) {
      const { scheduledUntil, dueAt } = rescheduled(liveAfter, now);
      statements.push(
        db
          .prepare(
            `UPDATE deployment_schedules SET position = ?, spec = ?, active = ?, scheduled_until = ?,
              due_at = ?, updated_at = MAX(updated_at + 1, ?) WHERE id = ?`,
          )
          .bind(
            position,
            JSON.stringify(wanted.schedule),
            wanted.active ? 1 : 0,
            scheduledUntil,
            dueAt,
            now,
            row.id,
          ),
      );
      if (liveBefore) discard.push(row.id);
    } else if (row.position !== position || (row.active !== 0) !== wanted.active) {
      statements.push(
        db
          .prepare(
            "UPDATE deployment_schedules SET position = ?, active = ?, updated_at = MAX(updated_at + 1, ?) WHERE id = ?",
          )
          .bind(position, wanted.active ? 1 : 0, now, row.id),
      );
    }
  }
  for (const { row } of unmatched) {
    statements.push(db.prepare("DELETE FROM deployment_schedules WHERE id = ?").bind(row.id));
    if (row.active !== 0 && !pausedBefore) discard.push(row.id);
  }
  return { statements, discard, changed: statements.length > 0 };
}

/**
 * Runs a plan: its statements in one batch, then the discards (after the rows have changed,
 * so no tick recreates what is discarded from the old spec).
 *
 * @example
 * ```ts
 * await commitRevision(env, id, plan);
 * ```
 */
export async function commitRevision(
  env: WeirEnv,
  deploymentId: string,
  plan: Revision,
): Promise<void> {
  if (plan.statements.length > 0) await env.DB.batch(plan.statements);
  await discardAll(env, deploymentId, plan.discard);
}

async function discardAll(
  env: WeirEnv,
  deploymentId: string,
  scheduleIds: readonly string[],
): Promise<void> {
  for (const scheduleId of scheduleIds) {
    await discardScheduledRuns(env, { deploymentId, scheduleId });
  }
}

/**
 * Deletes a deployment and its schedules, and discards the runs its schedules had scheduled
 * that have not started. Runs created by hand, and runs that have started, stay. Its
 * concurrency limits are removed (their waiters admitted).
 *
 * @example
 * ```ts
 * await removeDeployment(env, stored);
 * ```
 */
export async function removeDeployment(env: WeirEnv, stored: StoredDeployment): Promise<void> {
  const live = stored.row.paused === 0;
  await env.DB.batch(deleteDeploymentRows(env.DB, stored.row.id));
  // Its limits go with it: nothing declares them any more, and their waiters are admitted.
  await removeDeploymentLimits(env, stored.row.id);
  await discardAll(
    env,
    stored.row.id,
    stored.schedules.filter((s) => live && s.active !== 0).map((s) => s.id),
  );
}

/**
 * The fields of a stored deployment, as a revision starts from them.
 *
 * @example
 * ```ts
 * const fields = { ...fieldsOf(stored), paused: true };
 * ```
 */
export function fieldsOf(stored: StoredDeployment): DeploymentFields {
  const { row } = stored;
  return {
    flowName: row.flow_name,
    name: row.name,
    description: row.description,
    version: row.version,
    tags: JSON.parse(row.tags) as string[],
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    schedules: stored.schedules.map((s) => ({
      id: s.id,
      schedule: JSON.parse(s.spec) as ScheduleSpec,
      active: s.active !== 0,
    })),
    paused: row.paused !== 0,
    catchUp: row.catch_up as DeploymentFields["catchUp"],
    concurrencyLimit: row.concurrency_limit,
    collisionStrategy: collisionStrategyOf(row.collision_strategy),
    concurrencyKey: row.concurrency_key,
  };
}
