/**
 * The statements that write deployments and their schedules in D1 (store.ts reads them):
 * the deployment's row on create and change, a schedule's row, and the delete of both.
 *
 * @module
 */

import type { ScheduleSpec } from "../../protocol/deployment.ts";
import type { DeploymentFields } from "./store.ts";

/**
 * The statement that inserts a deployment's row (its schedules are inserted separately).
 *
 * @example
 * ```ts
 * await insertDeploymentRow(env.DB, id, fields, "api", now).run();
 * ```
 */
export function insertDeploymentRow(
  db: D1Database,
  id: string,
  fields: DeploymentFields,
  source: "code" | "api",
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO deployments (id, flow_name, name, description, version, tags, parameters,
        paused, catch_up, concurrency_limit, collision_strategy, concurrency_key, source,
        created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      fields.flowName,
      fields.name,
      fields.description,
      fields.version,
      JSON.stringify(fields.tags),
      JSON.stringify(fields.parameters),
      fields.paused ? 1 : 0,
      fields.catchUp,
      fields.concurrencyLimit,
      fields.collisionStrategy,
      fields.concurrencyKey,
      source,
      now,
      now,
    );
}

/**
 * The statement that rewrites a deployment's own fields (not its name, flow or schedules).
 *
 * @example
 * ```ts
 * await updateDeploymentRow(env.DB, id, fields, "code", now).run();
 * ```
 */
export function updateDeploymentRow(
  db: D1Database,
  id: string,
  fields: DeploymentFields,
  source: "code" | "api",
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE deployments SET description = ?, version = ?, tags = ?, parameters = ?, paused = ?,
        catch_up = ?, concurrency_limit = ?, collision_strategy = ?, concurrency_key = ?,
        source = ?, updated_at = ? WHERE id = ?`,
    )
    .bind(
      fields.description,
      fields.version,
      JSON.stringify(fields.tags),
      JSON.stringify(fields.parameters),
      fields.paused ? 1 : 0,
      fields.catchUp,
      fields.concurrencyLimit,
      fields.collisionStrategy,
      fields.concurrencyKey,
      source,
      now,
      id,
    );
}

/**
 * The statement that inserts a schedule's row.
 *
 * @example
 * ```ts
 * insertScheduleRow(env.DB, { id, deploymentId, position: 0, spec, active: true, dueAt: now }, now);
 * ```
 */
export function insertScheduleRow(
  db: D1Database,
  row: {
    readonly id: string;
    readonly deploymentId: string;
    readonly position: number;
    readonly spec: ScheduleSpec;
    readonly active: boolean;
    readonly dueAt: number | null;
  },
  now: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO deployment_schedules (id, deployment_id, position, spec, active,
        scheduled_until, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
    )
    .bind(
      row.id,
      row.deploymentId,
      row.position,
      JSON.stringify(row.spec),
      row.active ? 1 : 0,
      row.dueAt,
      now,
      now,
    );
}

/**
 * The statement that deletes a deployment and its schedules (its runs are left alone).
 *
 * @example
 * ```ts
 * await env.DB.batch(deleteDeploymentRows(env.DB, id));
 * ```
 */
export function deleteDeploymentRows(db: D1Database, id: string): D1PreparedStatement[] {
  return [
    db.prepare("DELETE FROM deployment_schedules WHERE deployment_id = ?").bind(id),
    db.prepare("DELETE FROM deployments WHERE id = ?").bind(id),
  ];
}
