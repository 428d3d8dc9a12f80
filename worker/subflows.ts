/**
 * Subflows and deployment runs on Durable Objects: each child run lives in its own object.
 * The parent asks the child to start (idempotently, by the child's journaled run id) and
 * suspends; when the child finishes, its outbox tells the parent, whose replay then finds the
 * child's outcome. A deployment's run (`runDeployment`) is such a child, created from the
 * deployment that D1 holds under its name, with the deployment's default parameters merged
 * and validated.
 *
 * @module
 */

import {
  type AnyFlow,
  type DeploymentRunner,
  type DeploymentRunRequest,
  NonRetryableError,
  type SubflowRunner,
} from "../runtime/host.ts";
import { prepareFlowRun } from "./api/create_run.ts";
import { ApiError } from "./api/errors.ts";
import { deploymentRunInput } from "./deployments/create_run.ts";
import { getDeploymentByName, listDeployments } from "./deployments/store.ts";
import type { WeirEnv } from "./env.ts";
import { runObject } from "./rpc.ts";
import type { StartMode } from "./start_options.ts";

/**
 * A {@link SubflowRunner} that runs each child in its own flow-run object. A child due now
 * starts inside the parent's call (`inline`), so a short child has finished when the call
 * answers and the parent goes on without suspending.
 *
 * @example
 * ```ts
 * resolveHost({ mode: "suspend", ... }, durableSubflows(env, { start: "inline", startWaitMs: 20 }));
 * ```
 */
export function durableSubflows(
  env: WeirEnv,
  options: { readonly start: StartMode; readonly startWaitMs: number },
): SubflowRunner {
  return {
    async run(request) {
      const child = runObject(env, request.runId);
      const status = await child.startChild({
        runId: request.runId,
        flowName: request.flow.flowName,
        params: request.params,
        parentRunId: request.parentRunId,
        parentStepId: request.parentStepId,
        start: options.start,
        startWaitMs: options.startWaitMs,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(request.tags === undefined ? {} : { tags: request.tags }),
      });
      return status;
    },
  };
}

/**
 * A {@link DeploymentRunner} that starts each deployment's run in its own flow-run object, as
 * the child of the step that asked (so the child's page links its parent and the parent's
 * graph links the child), and reports how it stands. The parent waits for it as for a
 * subflow: the child's end wakes it through the same notice.
 *
 * @example
 * ```ts
 * resolveHost({ mode: "suspend", deployments: durableDeployments(env, { start: "inline", startWaitMs: 20, flow: (n) => registry.get(n) }) }, subflows);
 * ```
 */
export function durableDeployments(
  env: WeirEnv,
  options: {
    readonly start: StartMode;
    readonly startWaitMs: number;
    /** The Worker's flows by name (the registry's `get`). */
    readonly flow: (name: string) => AnyFlow | undefined;
  },
): DeploymentRunner {
  return {
    async start(request) {
      const deployment = await getDeploymentByName(
        env.DB,
        request.flowName,
        request.deploymentName,
      );
      if (deployment === undefined) throw await unknownDeployment(env, request);
      const flow = options.flow(deployment.flowName);
      if (flow === undefined) {
        throw new Error(
          `Cannot run deployment '${request.ref}': it is of flow '${deployment.flowName}', which this Worker does not register. Add the flow to createWeirWorker({ flows }), or delete the deployment`,
        );
      }
      const { input, extra } = deploymentRunInput(
        deployment,
        {
          ...(request.params === undefined ? {} : { parameters: { ...request.params } }),
          ...(request.name === undefined ? {} : { name: request.name }),
          ...(request.tags === undefined ? {} : { tags: request.tags }),
        },
        {
          runId: request.runId,
          parentRunId: request.parentRunId,
          parentStepId: request.parentStepId,
          start: options.start,
          startWaitMs: options.startWaitMs,
        },
      );
      let create: Awaited<ReturnType<typeof prepareFlowRun>>;
      try {
        create = await prepareFlowRun(env, flow, input, extra);
      } catch (error) {
        // Parameters that do not fit the flow fail the same way on every attempt.
        if (error instanceof ApiError) {
          throw new NonRetryableError(
            `Cannot run deployment '${request.ref}' with these parameters (${error.field ?? "parameters"}): ${error.message}. The deployment's defaults are ${JSON.stringify(deployment.parameters)}; the flow passed ${JSON.stringify(request.params ?? {})}`,
          );
        }
        throw error;
      }
      // Creates the run unless its object holds it already (a replay asking again).
      return runObject(env, request.runId).startChild(create);
    },
    status(request) {
      return runObject(env, request.runId).childStatus();
    },
  };
}

/** The error for a deployment name D1 does not know, saying what to check. */
async function unknownDeployment(env: WeirEnv, request: DeploymentRunRequest): Promise<Error> {
  let known = "";
  try {
    const names = (await listDeployments(env.DB, { flowName: request.flowName })).map(
      (d) => `'${d.flowName}/${d.name}'`,
    );
    known =
      names.length === 0
        ? ` Flow '${request.flowName}' has no deployments.`
        : ` Deployments of flow '${request.flowName}': ${names.join(", ")}.`;
  } catch {
    // The list is a hint; the error stands without it.
  }
  return new Error(
    `Cannot run deployment '${request.ref}': this Weir server has no deployment '${request.deploymentName}' of flow '${request.flowName}'.${known} ` +
      "Check the name (`weir deployment ls` or GET /api/deployments lists them), that the deployment is declared in createWeirWorker({ flows, deployments }) or was created with POST /api/deployments, and that the deployed Worker's new version has run (code deployments are applied when it first runs)",
  );
}
