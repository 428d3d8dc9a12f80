/**
 * How a run is started in-process (`flow.run`, `flow.start`) and the handle it returns.
 *
 * @module
 */

import type { CacheStore } from "./cache.ts";
import type { Clock } from "./clock.ts";
import type { FinalState } from "./flow_types.ts";
import type { Journal } from "./journal.ts";
import type { ConcurrencyPort } from "./limits/port.ts";
import type { LogLevelName, LogSink } from "./logs.ts";
import type { DeploymentRunner, SubflowRunner } from "./ports.ts";
import type { ResultStore } from "./results.ts";
import type { State } from "./states.ts";

/** What the executor reports when it stops: the run finished, or it waits to be woken. */
export type ExecutionResult =
  | { readonly status: "finished"; readonly state: State }
  | {
      readonly status: "suspended";
      /** The earliest time a timer is due (epoch ms); absent when only events can wake it. */
      readonly wakeAt?: number;
    };

/**
 * Options of `flow.run`, `flow.start` and `flow.resume`. Every port defaults to an in-memory or
 * system implementation; a durable host passes its own.
 *
 * @example
 * ```ts
 * await myFlow.run({ n: 3 }, { journal, clock: new FakeClock({ autoAdvance: true }), console: false });
 * ```
 */
export interface RunOptions {
  /** Default: a random UUID. */
  readonly runId?: string;
  /** Overrides the flow's `runName`. */
  readonly name?: string;
  readonly tags?: readonly string[];
  /** Start no earlier than this (state Scheduled until then). */
  readonly scheduledAt?: Date | number;
  readonly journal?: Journal;
  readonly clock?: Clock;
  /** Default: one cache shared by every in-process run. */
  readonly cache?: CacheStore;
  /** Default: one result store shared by every in-process run. */
  readonly results?: ResultStore;
  /** Where log records go (besides the console). */
  readonly logs?: LogSink;
  /** Print Prefect-style log lines: `true` (INFO), a minimum level, or `false`. Default true. */
  readonly console?: boolean | LogLevelName;
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal;
  /**
   * "wait" (default): sleeps and retry delays wait in this process. "suspend": the executor
   * stops when only timers or events could move the run, and reports when to wake it.
   */
  readonly mode?: "wait" | "suspend";
  /** Runs subflows; default: in this process, with the same ports. */
  readonly subflows?: SubflowRunner;
  /**
   * Starts runs of deployments (`runDeployment`); a Weir server passes its own. Default: none,
   * so such a step fails saying that it needs a Weir server with deployments.
   */
  readonly deployments?: DeploymentRunner;
  /**
   * Concurrency limits. Default: one set of in-memory limits shared by every in-process run
   * (`InMemoryConcurrency`); the Worker holds each limit in a Durable Object.
   */
  readonly limits?: ConcurrencyPort;
  /** Results whose JSON is larger than this many bytes go to the result store. */
  readonly resultInlineLimit?: number;
}

/**
 * A run started in this process.
 *
 * @example
 * ```ts
 * const run = approval.start({ id: 7 });
 * await run.sendEvent("approved", { by: "ana" });
 * console.log(await run.result());
 * ```
 */
export interface RunHandle<R> {
  readonly runId: string;
  /** Resolves to the flow's result; rejects with `FlowRunError` if it did not complete. */
  result(): Promise<R>;
  /** Resolves to the final state (suspended runs never resolve this; see `execution`). */
  finalState(): Promise<FinalState<R>>;
  /** Resolves when the executor stops: finished, or suspended (in "suspend" mode). */
  readonly execution: Promise<ExecutionResult>;
  /** Requests cancellation: state Cancelling, running tasks' signals abort, then Cancelled. */
  cancel(reason?: string): Promise<void>;
  /** Sends an event to the run; a `waitForEvent` for it, now or later, receives the payload. */
  sendEvent(name: string, payload?: unknown): Promise<void>;
}
