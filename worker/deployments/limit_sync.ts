/**
 * Keeping a deployment's concurrency limits in step with the deployment. Its runs declare the
 * limit when they take their slot (so a limit exists only once a run has used it), but a
 * change must reach the limits in use at once: raising `concurrencyLimit` admits waiters now,
 * lowering it lets holders finish; removing it (null), or deleting the deployment, removes the
 * limits, which admits everyone waiting. Keyed limits (`deployment:<id>:<value>`) are found in
 * D1's `concurrency_limits` catalogue, which the limit objects keep.
 *
 * @module
 */

import { mapBounded } from "../api/bounded.ts";
import type { WeirEnv } from "../env.ts";
import { limitObject } from "../limits/rpc.ts";
import { deploymentLimitName } from "./run_slots.ts";

/** How many limit objects are changed at once. */
const IN_FLIGHT = 8;

/**
 * The names of a deployment's limits that exist: its own and its keyed ones.
 *
 * @example
 * ```ts
 * await deploymentLimitNames(env.DB, id); // ["deployment:<id>", "deployment:<id>:acme"]
 * ```
 */
export async function deploymentLimitNames(
  db: D1Database,
  deploymentId: string,
): Promise<string[]> {
  const own = deploymentLimitName(deploymentId);
  // Keyed names sort between `<own>:` and `<own>;` (';' follows ':'), so no LIKE escaping.
  const { results } = await db
    .prepare(
      "SELECT name FROM concurrency_limits WHERE name = ? OR (name >= ? AND name < ?) ORDER BY name",
    )
    .bind(own, `${own}:`, `${own};`)
    .all<{ name: string }>();
  return results.map((r) => r.name);
}

/**
 * Brings a deployment's existing limits to its `concurrencyLimit` when it changed: configured
 * to the new value, or removed when it is now null.
 *
 * @example
 * ```ts
 * await syncDeploymentLimits(env, id, before.concurrencyLimit, after.concurrencyLimit);
 * ```
 */
export async function syncDeploymentLimits(
  env: WeirEnv,
  deploymentId: string,
  before: number | null,
  after: number | null,
): Promise<void> {
  if (before === after) return;
  if (after === null) return removeDeploymentLimits(env, deploymentId);
  const names = await deploymentLimitNames(env.DB, deploymentId);
  await mapBounded(names, IN_FLIGHT, (name) =>
    limitObject(env, name).configure({ name, limit: after }),
  );
}

/**
 * Removes a deployment's limits (its own and keyed ones); whoever waits in them is admitted.
 *
 * @example
 * ```ts
 * await removeDeploymentLimits(env, id);
 * ```
 */
export async function removeDeploymentLimits(env: WeirEnv, deploymentId: string): Promise<void> {
  const names = await deploymentLimitNames(env.DB, deploymentId);
  await mapBounded(names, IN_FLIGHT, (name) => limitObject(env, name).remove());
}
