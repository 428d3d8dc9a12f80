/**
 * A run of a deployment: the deployment's default parameters with the caller's merged over
 * them (top-level keys), validated against the flow's schema (422 naming
 * `parameters.<field>`), the deployment's tags then the caller's, the deployment's id on
 * the run, and the slot of its concurrency limit (run_slots.ts; a 422 naming
 * `parameters.<key>` when the key's value is missing). Used by POST
 * /api/deployments/{id}/runs and by `runDeployment` in flows.
 *
 * @module
 */

import type { Deployment } from "../../protocol/deployment.ts";
import type { AnyFlow } from "../../runtime/host.ts";
import {
  createFlowRun,
  type NewRunExtra,
  type NewRunInput,
  prepareFlowRun,
} from "../api/create_run.ts";
import { ApiError } from "../api/errors.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import type { CreateRunRequest } from "../rpc.ts";
import type { RunDetail } from "../run_detail.ts";
import { deploymentSlots } from "./run_slots.ts";

/** What a caller gives a deployment's run; every field optional. */
export type DeploymentRunInput = Partial<NewRunInput>;

function flowOf(registry: FlowRegistry, deployment: Deployment): AnyFlow {
  const flow = registry.get(deployment.flowName);
  if (flow === undefined) {
    throw new ApiError(
      "conflict",
      `Deployment '${deployment.flowName}/${deployment.name}' is of flow '${deployment.flowName}', which this Worker no longer registers; register the flow or delete the deployment`,
    );
  }
  return flow;
}

/**
 * The run input and extra for a deployment's run: defaults merged, tags merged, the
 * deployment's id, idempotency keys scoped to the deployment, and its concurrency slot.
 *
 * @example
 * ```ts
 * const { input } = deploymentRunInput(d, { parameters: { n: 5 } });
 * ```
 */
export function deploymentRunInput(
  deployment: Deployment,
  given: DeploymentRunInput,
  extra: NewRunExtra = {},
): { input: NewRunInput; extra: NewRunExtra } {
  const tags = [...new Set([...deployment.tags, ...(given.tags ?? [])])];
  return {
    input: {
      ...given,
      parameters: { ...deployment.parameters, ...(given.parameters ?? {}) },
      ...(tags.length === 0 ? {} : { tags }),
    },
    extra: {
      idempotencyScope: `weir.deployment\u0000${deployment.id}`,
      ...extra,
      deploymentId: deployment.id,
      slotsFor: (parameters) => {
        const slots = deploymentSlots(deployment, parameters);
        if (Array.isArray(slots)) return slots;
        throw new ApiError("invalid_parameters", slots.message, slots.field);
      },
    },
  };
}

/**
 * The validated create request of a deployment's run, for callers that create it themselves
 * (a parent run's `startChild`).
 *
 * @example
 * ```ts
 * const request = await prepareDeploymentRun(env, registry, d, { parameters: {} }, { runId, parentRunId, parentStepId });
 * const status = await runObject(env, request.runId).startChild(request);
 * ```
 * @throws {ApiError} 422 naming `parameters.<field>`; 409 when the flow is not registered.
 */
export function prepareDeploymentRun(
  env: WeirEnv,
  registry: FlowRegistry,
  deployment: Deployment,
  given: DeploymentRunInput = {},
  extra: NewRunExtra = {},
): Promise<CreateRunRequest> {
  const merged = deploymentRunInput(deployment, given, extra);
  return prepareFlowRun(env, flowOf(registry, deployment), merged.input, merged.extra);
}

/**
 * Creates a run of a deployment.
 *
 * @example
 * ```ts
 * const { created, run } = await createDeploymentRun(env, registry, d, { parameters: { n: 5 }, tags: ["adhoc"] });
 * ```
 * @throws {ApiError} 422 naming `parameters.<field>`; 409 for an idempotency key reused with
 * other parameters, or when the flow is not registered.
 */
export function createDeploymentRun(
  env: WeirEnv,
  registry: FlowRegistry,
  deployment: Deployment,
  given: DeploymentRunInput = {},
  extra: NewRunExtra = {},
): Promise<{ created: boolean; run: RunDetail }> {
  const merged = deploymentRunInput(deployment, given, extra);
  return createFlowRun(env, flowOf(registry, deployment), merged.input, merged.extra);
}
