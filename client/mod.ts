/**
 * `weir/client`: the typed client over Weir's HTTP API and live feed, with only `fetch` and
 * `WebSocket`, so it runs on Node, Deno, browsers and Workers. The API's JSON types come from
 * protocol/ and are re-exported here.
 *
 * @example
 * ```ts
 * import { WeirClient, WeirApiError } from "weir/client";
 * const client = new WeirClient({ baseUrl: "http://127.0.0.1:8787" });
 * const run = await client.createRun("cat-fact", { parameters: { n: 2 } });
 * ```
 *
 * @module
 */

export type {
  CollisionStrategy,
  ConcurrencyLimit,
  ConcurrencyLimitList,
  LimitHolder,
  LimitWaiter,
} from "../protocol/concurrency.ts";
export type {
  CatchUpPolicy,
  CronSchedule,
  Deployment,
  DeploymentList,
  DeploymentSchedule,
  IntervalSchedule,
  RRuleSchedule,
  SchedulePreview,
  ScheduleSpec,
} from "../protocol/deployment.ts";
export type { ApiErrorBody, ApiErrorCode } from "../protocol/error.ts";
export type { Flow, FlowList, JsonSchema } from "../protocol/flow.ts";
export type { GraphEdge, GraphNode, RunGraph } from "../protocol/graph.ts";
export type { Health } from "../protocol/health.ts";
export type { LiveMessage } from "../protocol/live_message.ts";
export type { LogLevelName, LogLine, LogPage } from "../protocol/log.ts";
export type { CreateRunInput } from "../protocol/requests.ts";
export type { RunDetail, RunPage, RunSummary, StepDetail } from "../protocol/run.ts";
export type { State, StateType } from "../protocol/state.ts";
export {
  isFinalStateType,
  type ListRunsQuery,
  type LogsOptions,
  type LogsQuery,
  WeirClient,
  type WeirClientOptions,
} from "./client.ts";
export {
  ConcurrencyLimitRoutes,
  type CreateConcurrencyLimitInput,
  type DeletedConcurrencyLimit,
  type UpdateConcurrencyLimitInput,
} from "./concurrency.ts";
export {
  type CreateDeploymentInput,
  DeploymentRoutes,
  type DeploymentRunsQuery,
  type ScheduleInput,
  type SchedulerTickSummary,
  type UpdateDeploymentInput,
  type UpdateScheduleInput,
} from "./deployments.ts";
export { DEFAULT_API_URL, envVar } from "./env.ts";
export { WeirApiError, WeirUnreachableError } from "./errors.ts";
export type { WebSocketConstructor, WebSocketLike } from "./live.ts";
