/**
 * Weir's runtime: durable flows and tasks as async generators.
 *
 * @example
 * ```ts
 * import { flow, task } from "./mod.ts";
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

export { type CacheEntry, type CacheStore, InMemoryCacheStore, sha256Hex } from "./cache.ts";
export { type Clock, systemClock } from "./clock.ts";
export { decode, type Encoded, encode } from "./codec.ts";
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
  type ConsoleAttribution,
  type ConsoleTarget,
  setConsoleAttribution,
} from "./console_capture.ts";
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
export { type Duration, formatMillis, toMillis } from "./duration.ts";
export { EngineLines, engineLine } from "./engine/engine_lines.ts";
export { type ExecutionReport, RunLifecycle } from "./engine/executor.ts";
export {
  type ChildRunOutcome,
  type ChildRunRequest,
  type Host,
  resolveHost,
  type SubflowRunner,
} from "./engine/host.ts";
export { type CreateRun, runCreation } from "./engine/run_creation.ts";
export {
  applyEntry,
  foldJournal,
  type ReceivedEvent,
  type RunRecord,
  type StepOutcomeRecord,
  type StepRecord,
} from "./engine/run_record.ts";
export { inProcessSubflows } from "./engine/start.ts";
export {
  CancelledError,
  describeError,
  deserializeError,
  FlowRunError,
  isNonRetryable,
  NonDeterminismError,
  NonRetryableError,
  type ParameterIssue,
  ParameterValidationError,
  RetryAfterError,
  registerErrorClass,
  type SerializedError,
  serializeError,
  stackFrames,
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
  FlowHook,
  FlowOptions,
  HookContext,
  SubflowOptions,
} from "./flow_types.ts";
export { inspectRun, type RunView, type StepView, viewOf } from "./inspect.ts";
export {
  InMemoryJournal,
  type Journal,
  type JournalEntry,
  type JournalEntryType,
  type ResultRef,
  type RunInfo,
  StepKind,
} from "./journal.ts";
export {
  ConsoleLogSink,
  createLogger,
  formatLogLine,
  InMemoryLogStore,
  type Logger,
  LogLevel,
  type LogLevelName,
  type LogRecord,
  type LogSink,
  teeSinks,
} from "./logs.ts";
export { hashString, randomUUID, seededRandom, uuidFrom, uuidFromBytes } from "./random.ts";
export { InMemoryResultStore, type ResultStore } from "./results.ts";
export { exponentialBackoff, retryDelayMs } from "./retry.ts";
export type { ExecutionResult, RunHandle, RunOptions } from "./run_options.ts";
export { paramsJsonSchema, validateParams } from "./schema.ts";
export * from "./states.ts";
export { type Command, Step, StepHandle, Submission } from "./step.ts";
export { task } from "./task.ts";
export type { AnyTask, CacheOptions, RetryDelay, Task, TaskFn, TaskOptions } from "./task_types.ts";
