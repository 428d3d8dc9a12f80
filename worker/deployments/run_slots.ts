/**
 * The slot a deployment's run takes before it starts: the deployment's concurrency limit
 * (`deployment:<id>`), or, with a `concurrencyKey`, the limit of that key's value in the run's
 * merged parameters (`deployment:<id>:<value>`, at most N runs per customer, say). Every path
 * that creates a deployment's run (POST /api/deployments/{id}/runs, `runDeployment` in flows,
 * the scheduler's tick) asks here, so they agree on the name.
 *
 * @module
 */

import type { Deployment } from "../../protocol/deployment.ts";
import { labelProblem } from "../../protocol/limits.ts";
import type { RunSlot } from "../../runtime/limits/port.ts";

/** The most characters of a key's value in a limit's name. */
export const MAX_KEY_VALUE = 100;

/** What a deployment's slot depends on. */
export type DeploymentLimitFields = Pick<
  Deployment,
  "id" | "concurrencyLimit" | "collisionStrategy" | "concurrencyKey"
>;

/** Why the key's value cannot name a limit: the field (`parameters.<key>`) and the reason. */
export interface KeyProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * The name of a deployment's own limit (unkeyed), also the prefix of its keyed ones.
 *
 * @example
 * ```ts
 * deploymentLimitName("3f2a…"); // "deployment:3f2a…"
 * ```
 */
export function deploymentLimitName(deploymentId: string): string {
  return `deployment:${deploymentId}`;
}

/**
 * The value at `key` in `parameters`: the parameter named `key` when there is one (a name
 * may hold a dot), else the dotted path through nested objects.
 *
 * @example
 * ```ts
 * valueAt({ customer: { id: 7 } }, "customer.id"); // 7
 * ```
 */
export function valueAt(parameters: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(parameters, key)) return parameters[key];
  let node: unknown = parameters;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The key's value as it goes into the limit's name, or the problem with it: missing (or
 * null), not a string, number or boolean, too long, or holding control characters.
 *
 * @example
 * ```ts
 * keyValue({ customer: "acme" }, "customer"); // "acme"
 * keyValue({}, "customer"); // { field: "parameters.customer", message: "..." }
 * ```
 */
export function keyValue(parameters: Record<string, unknown>, key: string): string | KeyProblem {
  const field = `parameters.${key}`;
  const value = valueAt(parameters, key);
  const why = (message: string): KeyProblem => ({
    field,
    message: `The deployment's concurrency limit is kept per value of parameter '${key}' (its concurrencyKey), and this run's ${message}`,
  });
  if (value === undefined || value === null) return why("has none");
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    return why("is not a string, number or boolean");
  }
  const text = String(value);
  if (text === "") return why("is empty");
  if (text.length > MAX_KEY_VALUE) return why(`is longer than ${MAX_KEY_VALUE} characters`);
  const problem = labelProblem(text);
  if (problem !== undefined) return why(problem);
  return text;
}

/**
 * The slots a run of `deployment` with (merged) `parameters` takes: none without a limit,
 * else one; or the problem with the key's value.
 *
 * @example
 * ```ts
 * const slots = deploymentSlots(d, { customer: "acme" });
 * // [{ limit: "deployment:<id>:acme", max: 2, strategy: "ENQUEUE" }]
 * ```
 */
export function deploymentSlots(
  deployment: DeploymentLimitFields,
  parameters: Record<string, unknown>,
): RunSlot[] | KeyProblem {
  if (deployment.concurrencyLimit === null) return [];
  let limit = deploymentLimitName(deployment.id);
  if (deployment.concurrencyKey !== null) {
    const value = keyValue(parameters, deployment.concurrencyKey);
    if (typeof value !== "string") return value;
    limit = `${limit}:${value}`;
  }
  return [{ limit, max: deployment.concurrencyLimit, strategy: deployment.collisionStrategy }];
}
