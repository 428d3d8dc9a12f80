/**
 * The flow-run object's RPC surface, as callers see it. Workers' generated stub types recurse
 * through every result type (and give up on recursive JSON types), so callers use this plain
 * interface; `FlowRunObject` implements it, which the compiler checks below.
 *
 * @module
 */

import type { ChildRunOutcome, LogLevelName } from "../runtime/mod.ts";
import type { LogLine } from "./api/run_json.ts";
import type { WeirEnv } from "./env.ts";
import type { FlowRunObject } from "./flow_run.ts";
import type { GraphEdge, GraphNode, RunDetail } from "./run_detail.ts";
import type { StartMode } from "./start_options.ts";

/** What creating a run needs. Parameters must already be valid for the flow. */
export interface CreateRunRequest {
  readonly runId: string;
  readonly flowName: string;
  readonly params: unknown;
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly scheduledAt?: number;
  readonly idempotencyKey?: string;
  readonly deploymentId?: string;
  readonly parentRunId?: string;
  readonly parentStepId?: string;
  /** How the run starts if it is due now (see `WEIR_START_RUNS`); children inherit it. */
  readonly start?: StartMode;
  /** How long an inline start waits before answering (default `START_WAIT_MS`). */
  readonly startWaitMs?: number;
}

/** A run's outcome, as a parent run needs it. */
export type ChildStatus = ChildRunOutcome;

/** Answer to a request that changes a run. */
export type RunChange =
  | { readonly ok: true; readonly run: RunDetail }
  | { readonly ok: false; readonly code: "not_found" | "conflict"; readonly message: string };

/** What a caller can ask of a run's Durable Object. */
export interface FlowRunRpc {
  create(request: CreateRunRequest): Promise<{ created: boolean; run: RunDetail }>;
  startChild(request: CreateRunRequest): Promise<ChildStatus>;
  childStatus(): Promise<ChildStatus>;
  view(): Promise<RunDetail | undefined>;
  graph(): Promise<{ nodes: GraphNode[]; edges: GraphEdge[] } | undefined>;
  logs(options: { after?: number; minLevel?: LogLevelName; limit?: number }): Promise<LogLine[]>;
  cancel(reason: string): Promise<RunChange>;
  retry(): Promise<RunChange>;
  sendEvent(name: string, payload: unknown): Promise<RunChange>;
  childFinished(childRunId: string): Promise<void>;
  fetch(request: Request): Promise<Response>;
}

// Compile-time check that the object offers every method of the interface.
type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};
const _implements = (o: FlowRunObject): Promised<Pick<FlowRunObject, keyof FlowRunRpc>> =>
  o as never;
void _implements;

/**
 * The stub of the object that holds run `runId`.
 *
 * @example
 * ```ts
 * const run = await runObject(env, runId).view();
 * ```
 */
export function runObject(env: WeirEnv, runId: string): FlowRunRpc {
  return env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(runId)) as unknown as FlowRunRpc;
}
