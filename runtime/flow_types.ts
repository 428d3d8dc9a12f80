/**
 * The types of flows: their options (Prefect's `@flow` arguments), hooks, and the callable a
 * flow definition is.
 *
 * @module
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { FlowContext } from "./context.ts";
import type { Duration } from "./duration.ts";
import type { RunInfo } from "./journal.ts";
import type { CollisionStrategy } from "./limits/port.ts";
import type { RunHandle, RunOptions } from "./run_options.ts";
import type { State } from "./states.ts";
import type { Command, Step } from "./step.ts";
import type { RetryDelay } from "./task_types.ts";

/** What a flow hook is given. */
export interface HookContext {
  readonly flowName: string;
  readonly run: RunInfo;
  readonly state: State;
  /** The error that ended the run, for failure, crash and cancellation hooks. */
  readonly error?: Error;
}

/** A state-change hook (Prefect's `on_completion`, `on_failure`…). Errors it throws are logged. */
export type FlowHook = (ctx: HookContext) => void | Promise<void>;

/** Options of {@link flow}, with Prefect's meaning. */
export interface FlowOptions<P> {
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  readonly tags?: readonly string[];
  /** How many times to run the flow again after it fails; completed steps are kept. */
  readonly retries?: number;
  readonly retryDelay?: RetryDelay;
  /** Fail the run (state TimedOut) when it runs longer than this. */
  readonly timeout?: Duration;
  /** A Standard Schema (zod, valibot, arktype…) the parameters must match. */
  readonly params?: StandardSchemaV1;
  /** JSON Schema of the parameters, for schemas that cannot export one themselves. */
  readonly paramsJsonSchema?: Record<string, unknown>;
  /** The run's name: a template over the parameters (`"{name}-on-{date}"`) or a function. */
  readonly runName?: string | ((params: P) => string);
  /**
   * At most `limit` runs of this flow at once, or per value of `key(params)` (a keyed limit:
   * at most 2 runs per customer id, say). A run over it waits in line, state
   * AwaitingConcurrencySlot, or with `strategy: "CANCEL_NEW"` ends Cancelled.
   */
  readonly concurrency?: FlowConcurrency<P>;
  /** Console output in this flow's tasks becomes their log lines. */
  readonly logPrints?: boolean;
  /** Store the flow's result in the result store; the journal keeps a reference. */
  readonly persistResult?: boolean;
  readonly onCompletion?: FlowHook | readonly FlowHook[];
  readonly onFailure?: FlowHook | readonly FlowHook[];
  readonly onCancellation?: FlowHook | readonly FlowHook[];
  readonly onCrashed?: FlowHook | readonly FlowHook[];
}

/**
 * A flow's own concurrency limit (see `FlowOptions.concurrency`); its limit is named
 * `flow:<flow name>`, or `flow:<flow name>:<key>` when keyed.
 *
 * @example
 * ```ts
 * const perCustomer: FlowConcurrency<{ customerId: string }> = { limit: 2, key: (p) => p.customerId };
 * ```
 */
export interface FlowConcurrency<P> {
  readonly limit: number;
  /** The key runs are limited by, from the parameters (after validation). */
  readonly key?: (params: P) => string | number;
  /** Default `ENQUEUE`. */
  readonly strategy?: CollisionStrategy;
}

/** A flow body: an async generator that delegates to steps with `yield*`. */
export type FlowBody<P, R> = (params: P, ctx: FlowContext) => AsyncGenerator<Command, R, unknown>;

/** Options for calling a flow as a subflow. */
export interface SubflowOptions {
  readonly name?: string;
  readonly tags?: readonly string[];
}

/** The final state of a run, with its result or error (`returnState: true`). */
export type FinalState<R> = State & { readonly result?: R; readonly error?: Error };

/**
 * A flow definition. Call it inside another flow and `yield*` the step to run it as a subflow;
 * call `.run()` to run it in this process.
 *
 * @example
 * ```ts
 * const total = await pipeline.run({ day: "2026-01-01" });
 * ```
 */
export interface Flow<PIn, R, POut = PIn> {
  (params: PIn, options?: SubflowOptions): Step<R>;
  /** Runs the flow in this process and resolves to its result; throws `FlowRunError` otherwise. */
  run(params: PIn, options?: RunOptions & { returnState?: false }): Promise<R>;
  /** Runs the flow in this process and resolves to its final state. */
  run(params: PIn, options: RunOptions & { returnState: true }): Promise<FinalState<R>>;
  /** Starts a run in this process and returns its handle at once. */
  start(params: PIn, options?: RunOptions): RunHandle<R>;
  /** Resumes an existing run from its journal (after a crash or a suspension). */
  resume(runId: string, options: RunOptions): RunHandle<R>;
  /** Validates parameters against the schema; resolves to the parsed value. */
  validate(params: unknown): Promise<POut>;
  /** The parameters' JSON Schema, for forms; `undefined` when the flow has no schema. */
  jsonSchema(): Record<string, unknown> | undefined;
  /** A copy of this flow with some options replaced (Prefect's `with_options`). */
  with(overrides: Partial<FlowOptions<POut>>): Flow<PIn, R, POut>;
  readonly flowName: string;
  readonly options: FlowOptions<POut>;
  readonly body: FlowBody<POut, R>;
  readonly kind: "flow";
}

/** A flow of any parameters and result. */
// biome-ignore lint/suspicious/noExplicitAny: flows of every signature must fit here.
export type AnyFlow = Flow<any, unknown, any>;
