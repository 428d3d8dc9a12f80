/**
 * The flow-run object's RPC surface, as callers see it. Workers' generated stub types recurse
 * through every result type (and give up on recursive JSON types), so callers use this plain
 * interface; `FlowRunObject` implements it, which the compiler checks below.
 *
 * @module
 */

import type { LogLevelName } from "../runtime/mod.ts";
import type { LogLine } from "./api/run_json.ts";
import type { WeirEnv } from "./env.ts";
import type { ChildStatus, CreateRunRequest, FlowRunObject, RunChange } from "./flow_run.ts";
import type { GraphEdge, GraphNode, RunDetail } from "./run_detail.ts";

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
