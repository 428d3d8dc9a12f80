/**
 * The ports an execution runs against, as types: the resolved {@link Host}, and the two ports
 * that start child runs (subflows, and runs of deployments). Kept apart from
 * `engine/host.ts`, which fills them in, so the run options that name these ports and the
 * engine that implements them do not import each other.
 *
 * @module
 */

import type { CacheStore } from "./cache.ts";
import type { Clock } from "./clock.ts";
import type { Encoded } from "./codec.ts";
import type { SerializedError } from "./errors.ts";
import type { AnyFlow } from "./flow_types.ts";
import type { Journal, ResultRef } from "./journal.ts";
import type { ConcurrencyPort } from "./limits/port.ts";
import type { LogSink } from "./logs.ts";
import type { ResultStore } from "./results.ts";
import type { State } from "./states.ts";

/** A request to run a flow as the child of a step. */
export interface ChildRunRequest {
  readonly flow: AnyFlow;
  readonly runId: string;
  readonly params: unknown;
  readonly parentRunId: string;
  readonly parentStepId: string;
  readonly name?: string;
  readonly tags?: readonly string[];
  /** Aborts when the parent is cancelled or the step loses a race. */
  readonly signal: AbortSignal;
}

/** How a child run ended, or that it has not yet. */
export type ChildRunOutcome =
  | {
      readonly status: "finished";
      readonly state: State;
      readonly value?: Encoded;
      readonly ref?: ResultRef;
      readonly error?: SerializedError;
    }
  | { readonly status: "suspended"; readonly wakeAt?: number };

/**
 * Runs subflows. The default runs them in this process with the parent's ports; the Worker
 * runs each in its own Durable Object and reports `suspended` until the child ends.
 *
 * @example
 * ```ts
 * const runner: SubflowRunner = { run: (req) => myDurableStart(req) };
 * ```
 */
export interface SubflowRunner {
  run(request: ChildRunRequest, host: Host): Promise<ChildRunOutcome>;
}

/**
 * What a `runDeployment` or `startDeployment` step asks of its host: start the run of the
 * deployment `flowName/deploymentName` with id `runId`, as the child of step `parentStepId`.
 */
export interface DeploymentRunRequest {
  /** `flow-name/deployment-name`, as the flow wrote it. */
  readonly ref: string;
  readonly flowName: string;
  readonly deploymentName: string;
  /** The child run's id, derived from the parent run, the step and its attempt. */
  readonly runId: string;
  /** Merged over the deployment's default parameters. */
  readonly params: Readonly<Record<string, unknown>> | undefined;
  readonly parentRunId: string;
  readonly parentStepId: string;
  readonly name?: string;
  /** Added to the deployment's tags. */
  readonly tags?: readonly string[];
  /** Whether the parent waits for the run (`runDeployment`) or only starts it. */
  readonly wait: boolean;
  /** Aborts when the parent is cancelled or the step loses a race. */
  readonly signal: AbortSignal;
}

/**
 * Starts runs of deployments, which only a Weir server has (the Worker resolves the name in
 * D1). Both methods answer at once: `suspended` while the run has not finished. `start` must
 * be idempotent by `request.runId` (a replay that lost the step's journal entry asks again);
 * `status` is asked only after a `start` that the parent journaled.
 *
 * @example
 * ```ts
 * const deployments: DeploymentRunner = {
 *   start: (req) => myServer.startDeploymentRun(req),
 *   status: (req) => myServer.childStatus(req.runId),
 * };
 * await parent.run(params, { deployments });
 * ```
 */
export interface DeploymentRunner {
  start(request: DeploymentRunRequest, host: Host): Promise<ChildRunOutcome>;
  status(request: DeploymentRunRequest, host: Host): Promise<ChildRunOutcome>;
}

/** Every port an execution uses, resolved. */
export interface Host {
  readonly journal: Journal;
  readonly clock: Clock;
  readonly cache: CacheStore;
  readonly results: ResultStore;
  readonly logs: LogSink;
  readonly mode: "wait" | "suspend";
  readonly subflows: SubflowRunner;
  readonly deployments: DeploymentRunner;
  /** Concurrency limits (tag limits, `concurrency()`, `rateLimit()`, run slots). */
  readonly limits: ConcurrencyPort;
  readonly resultInlineLimit: number | undefined;
  readonly signal: AbortSignal | undefined;
}
