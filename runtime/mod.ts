/**
 * `weir`: what flow authors use. Flows and tasks as async generators, the combinators that
 * run steps together, durable waits, deployments, the errors that steer retries, Prefect's
 * states, and `visualize`. The engine and the ports a host implements are in `weir/host`
 * (runtime/host.ts); the contract suites in `weir/testing`.
 *
 * @example
 * ```ts
 * import { flow, task } from "weir";
 * const fetchFact = task({ name: "fetch-fact", retries: 3, retryDelay: [1, 5, 10] }, async (url: string) =>
 *   (await fetch(url)).json() as Promise<{ fact: string }>,
 * );
 * export const catFact = flow({ name: "cat-fact" }, async function* (params: { url: string }) {
 *   const json = yield* fetchFact(params.url);
 *   return json.fact;
 * });
 * await catFact.run({ url: "https://catfact.ninja/fact" });
 * ```
 *
 * @module
 */

export type { CacheStore } from "./cache.ts";
export type { Clock } from "./clock.ts";
export {
  type Awaitable,
  all,
  allSettled,
  type GroupOptions,
  map,
  type ResultOf,
  race,
  type Settled,
  sleep,
  sleepUntil,
  waitForEvent,
} from "./combinators.ts";
export {
  type ConcurrencyOptions,
  concurrency,
  type RateLimitOptions,
  rateLimit,
  type StepGroup,
} from "./concurrency.ts";
export type { FlowContext, TaskContext } from "./context.ts";
export {
  type CatchUpPolicy,
  type CronSchedule,
  type DeploymentDefinition,
  type DeploymentOptions,
  deployment,
  type IntervalSchedule,
  type RRuleSchedule,
  type ScheduleSpec,
} from "./deployment.ts";
export { type Duration, toMillis } from "./duration.ts";
export {
  CancelledError,
  FlowRunError,
  isNonRetryable,
  NonDeterminismError,
  NonRetryableError,
  type ParameterIssue,
  ParameterValidationError,
  RetryAfterError,
  registerErrorClass,
  TimeoutError,
  UsageError,
  WeirError,
} from "./errors.ts";
export { flow } from "./flow.ts";
export type {
  AnyFlow,
  FinalState,
  Flow,
  FlowBody,
  FlowConcurrency,
  FlowHook,
  FlowOptions,
  HookContext,
  SubflowOptions,
} from "./flow_types.ts";
export { toDot, toMermaid } from "./graph_text.ts";
export type { Journal } from "./journal.ts";
export { waitingLimitOf, waitingMessage } from "./limits/messages.ts";
export {
  CollisionStrategy,
  type ConcurrencyPort,
  type LeaseScope,
  type LimitDeclaration,
  type RunSlot,
  type SlotAnswer,
  type SlotHolder,
  type SlotRequest,
} from "./limits/port.ts";
export { type Logger, LogLevel, type LogLevelName, type LogSink } from "./logs.ts";
export { hashString, seededRandom } from "./random.ts";
export type { ResultStore } from "./results.ts";
export { exponentialBackoff } from "./retry.ts";
export {
  type DeploymentRef,
  type RunDeploymentOptions,
  runDeployment,
  type StartDeploymentOptions,
  startDeployment,
} from "./run_deployment.ts";
export type { ExecutionResult, RunHandle, RunOptions } from "./run_options.ts";
export * from "./states.ts";
export type { Step, StepHandle, Submission } from "./step.ts";
export { task } from "./task.ts";
export type { AnyTask, CacheOptions, RetryDelay, Task, TaskFn, TaskOptions } from "./task_types.ts";
export {
  type FlowGraph,
  type FlowGraphEdge,
  type FlowGraphNode,
  type VisualizeOptions,
  visualize,
} from "./visualize.ts";
