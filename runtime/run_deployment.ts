/**
 * `runDeployment` and `startDeployment`: a flow starts the run of a deployment (a flow with
 * default parameters, declared with `deployment()` or over the API) as its own child, and
 * waits for its result or only starts it: Prefect's `run_deployment`, and the iris tutorial's
 * StartFlowRun with `wait=True`. Only a Weir server has deployments; the host resolves the
 * name (see `DeploymentRunner` in engine/host.ts). The step is journaled like a subflow: the
 * child's run id derives from the parent run, the step and its attempt, so a replay finds
 * the same child instead of starting a second one.
 *
 * @module
 */

import type { DeploymentDefinition } from "./deployment.ts";
import { type Duration, toMillis } from "./duration.ts";
import { NonRetryableError, UsageError } from "./errors.ts";
import type { DeploymentRunner } from "./ports.ts";
import { sha256Bytes } from "./sha256.ts";
import { Step } from "./step.ts";

/** Which deployment: `"flow-name/deployment-name"`, or what `deployment()` returned. */
export type DeploymentRef = string | DeploymentDefinition;

/** Options of {@link startDeployment}. */
export interface StartDeploymentOptions {
  /** The child run's name (default: what the deployed flow's `runName` makes). */
  readonly name?: string;
  /** Tags for the child run, added to the deployment's. */
  readonly tags?: readonly string[];
}

/** Options of {@link runDeployment}. */
export interface RunDeploymentOptions extends StartDeploymentOptions {
  /**
   * Stop waiting after this long (seconds, or a string like `"10m"`): the step fails with a
   * `TimeoutError`. The child run is not cancelled: it keeps running, and its result is on
   * its own page. Default: wait as long as it takes.
   */
  readonly timeout?: Duration;
}

/**
 * Starts the run of a deployment as a child of this run and waits for its result, without
 * holding anything while it runs: the Worker suspends this run and resumes it when the child
 * finishes, as for a subflow. The deployment's default parameters are merged under `params`
 * and validated against its flow. A child that fails fails this step, as a subflow does.
 *
 * With `timeout`, the step fails with a `TimeoutError` if the child has not finished in time;
 * the child keeps running (as with Prefect's `run_deployment`). Cancelling this run cancels a
 * child it is waiting for.
 *
 * Runs in this process (`flow.run()` under Deno, Node or a browser) have no deployments: the
 * step fails with a `NonRetryableError` that says to call the flow as a subflow instead.
 *
 * @example
 * ```ts
 * const main = flow({ name: "iris-main" }, async function* () {
 *   const metrics = yield* runDeployment<{ accuracy: number }>("iris-data-science/train", { k: 5 }, { timeout: "1h" });
 *   return metrics.accuracy;
 * });
 * ```
 */
export function runDeployment<R = unknown>(
  deployment: DeploymentRef,
  params?: Readonly<Record<string, unknown>>,
  options: RunDeploymentOptions = {},
): Step<R> {
  const timeoutMs =
    options.timeout === undefined ? undefined : toMillis(options.timeout, "runDeployment timeout");
  return new Step<R>({
    ...deploymentSpec("runDeployment", deployment, params, options),
    wait: true,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

/**
 * Starts the run of a deployment as a child of this run and gives its id as soon as the run
 * exists, without waiting for it (Prefect's `run_deployment(timeout=0)`). The child runs on
 * its own; this run may finish first. Same parameters and hosts as {@link runDeployment}.
 *
 * @example
 * ```ts
 * const { runId } = yield* startDeployment("iris-data-science/train", { k: 5 });
 * ctx.logger.info(`started run ${runId}`);
 * ```
 */
export function startDeployment(
  deployment: DeploymentRef,
  params?: Readonly<Record<string, unknown>>,
  options: StartDeploymentOptions = {},
): Step<{ readonly runId: string }> {
  return new Step({
    ...deploymentSpec("startDeployment", deployment, params, options),
    wait: false,
  });
}

/**
 * Splits `flow-name/deployment-name` at its first `/`.
 *
 * @example
 * ```ts
 * parseDeploymentRef("iris-data-science/train"); // { flowName: "iris-data-science", deploymentName: "train" }
 * ```
 */
export function parseDeploymentRef(ref: string): { flowName: string; deploymentName: string } {
  const slash = typeof ref === "string" ? ref.indexOf("/") : -1;
  const flowName = slash < 0 ? "" : ref.slice(0, slash).trim();
  const deploymentName = slash < 0 ? "" : ref.slice(slash + 1).trim();
  if (flowName === "" || deploymentName === "") {
    throw new UsageError(
      `Cannot run deployment ${JSON.stringify(ref)}: name it as "flow-name/deployment-name" (for example "etl/nightly"), or pass what deployment() returned`,
    );
  }
  return { flowName, deploymentName };
}

/**
 * The id of the run a deployment step starts: a UUID (version 8) from the SHA-256 of the
 * parent run's id, the step's id and the step's attempt. A replay asks for the same id, so
 * it finds the run it started; a retried step (a new attempt) starts a new run.
 *
 * @example
 * ```ts
 * deploymentChildRunId("5d0c…", "2", 1); // the same UUID on every replay
 * ```
 */
export function deploymentChildRunId(parentRunId: string, stepId: string, attempt: number): string {
  const text = `weir.deployment-run\u0000${parentRunId}\u0000${stepId}\u0000${attempt}`;
  const bytes = sha256Bytes(new TextEncoder().encode(text)).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The deployment port of hosts that have no deployments (runs in this process): every
 * deployment step fails with a {@link NonRetryableError} that says what to do instead.
 *
 * @example
 * ```ts
 * await parent.run(params, { deployments: noDeployments }); // the default
 * ```
 */
export const noDeployments: DeploymentRunner = {
  start(request) {
    return Promise.reject(noDeploymentsError(request.ref, request.flowName));
  },
  status(request) {
    return Promise.reject(noDeploymentsError(request.ref, request.flowName));
  },
};

function noDeploymentsError(ref: string, flowName: string): NonRetryableError {
  return new NonRetryableError(
    `Cannot run deployment '${ref}' here: deployments live on a Weir server (a Worker built with createWeirWorker({ flows, deployments })), and this run has none (it runs in this process, with flow.run() or flow.start()). ` +
      `Run this flow on a Weir server, or call the flow itself as a subflow instead: yield* ${camel(flowName)}(params), where ${camel(flowName)} is the flow('${flowName}') you imported.`,
  );
}

/** `iris-data-science` → `irisDataScience`, to name the flow's variable in the hint. */
function camel(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
  const joined = words
    .map((w, i) =>
      i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1),
    )
    .join("");
  return /^[A-Za-z_$]/.test(joined) ? joined : "myFlow";
}

function deploymentSpec(
  fn: "runDeployment" | "startDeployment",
  deployment: DeploymentRef,
  params: Readonly<Record<string, unknown>> | undefined,
  options: StartDeploymentOptions,
) {
  const fromDefinition = typeof deployment === "object" && deployment?.kind === "deployment";
  const given = fromDefinition ? `${deployment.flowName}/${deployment.options.name}` : deployment;
  if (typeof given !== "string") {
    throw new UsageError(
      `${fn}() takes "flow-name/deployment-name" or what deployment() returned, got ${typeof deployment}`,
    );
  }
  const { flowName, deploymentName } = parseDeploymentRef(given);
  const ref = `${flowName}/${deploymentName}`;
  if (
    params !== undefined &&
    (typeof params !== "object" || params === null || Array.isArray(params))
  ) {
    throw new UsageError(
      `Cannot ${fn === "runDeployment" ? "run" : "start"} deployment '${ref}' with parameters ${Array.isArray(params) ? "that are an array" : `of type ${params === null ? "null" : typeof params}`}: pass an object of parameters by name, e.g. { day: "2026-01-01" }`,
    );
  }
  return {
    type: "deployment" as const,
    ref,
    params,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.tags === undefined ? {} : { tags: [...options.tags] }),
  };
}
