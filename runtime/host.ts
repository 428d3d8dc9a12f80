/**
 * `weir/host`: what a host needs to run flows durably on its own platform (the Worker in
 * worker/ is one): the engine (`RunLifecycle`, `runCreation`, the journal fold), the ports and
 * their in-memory implementations, the codec, error serialisation, and the engine's rendered
 * log lines. It re-exports everything flow authors use (`weir`), so a host imports one module.
 *
 * @example
 * ```ts
 * import { InMemoryJournal, RunLifecycle, resolveHost, inProcessSubflows } from "weir/host";
 * const host = resolveHost({ journal: new InMemoryJournal(), console: false }, inProcessSubflows);
 * const report = await new RunLifecycle(myFlow, host, "run-1", undefined).run();
 * ```
 *
 * @module
 */

export { type CacheEntry, InMemoryCacheStore, sha256Hex } from "./cache.ts";
export { systemClock } from "./clock.ts";
export { decode, type Encoded, encode } from "./codec.ts";
export {
  type ConsoleAttribution,
  type ConsoleTarget,
  setConsoleAttribution,
} from "./console_capture.ts";
export { formatMillis } from "./duration.ts";
export { EngineLines, engineLine } from "./engine/engine_lines.ts";
export { type ExecutionReport, RunLifecycle } from "./engine/executor.ts";
export { resolveHost } from "./engine/host.ts";
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
export type { SerializedError } from "./errors.ts";
export { describeError, deserializeError, serializeError, stackFrames } from "./errors.ts";
export { inspectRun, type RunView, type StepView, viewOf } from "./inspect.ts";
export {
  InMemoryJournal,
  type JournalEntry,
  type JournalEntryType,
  type ResultRef,
  type RunInfo,
  StepKind,
} from "./journal.ts";
export { LimitBook } from "./limits/book.ts";
export {
  InMemoryConcurrency,
  type InMemoryConcurrencyOptions,
  type LimitSettings,
} from "./limits/in_memory.ts";
export {
  ConsoleLogSink,
  createLogger,
  formatLogLine,
  InMemoryLogStore,
  type LogRecord,
  teeSinks,
} from "./logs.ts";
export * from "./mod.ts";
export type {
  ChildRunOutcome,
  ChildRunRequest,
  DeploymentRunner,
  DeploymentRunRequest,
  Host,
  SubflowRunner,
} from "./ports.ts";
export { randomUUID, uuidFrom, uuidFromBytes } from "./random.ts";
export { InMemoryResultStore } from "./results.ts";
export { retryDelayMs } from "./retry.ts";
export { deploymentChildRunId, noDeployments, parseDeploymentRef } from "./run_deployment.ts";
export { paramsJsonSchema, validateParams } from "./schema.ts";
export { type Command, Step, StepHandle, Submission } from "./step.ts";
