/**
 * The ports an execution runs against, resolved from `RunOptions` with in-memory and system
 * defaults, and the subflow port a durable host replaces.
 *
 * @module
 */

import { type CacheStore, InMemoryCacheStore } from "../cache.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { Encoded } from "../codec.ts";
import type { SerializedError } from "../errors.ts";
import type { AnyFlow } from "../flow_types.ts";
import { InMemoryJournal, type Journal, type ResultRef } from "../journal.ts";
import { ConsoleLogSink, type LogSink, teeSinks } from "../logs.ts";
import { InMemoryResultStore, type ResultStore } from "../results.ts";
import type { RunOptions } from "../run_options.ts";
import type { State } from "../states.ts";

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

/** Every port an execution uses, resolved. */
export interface Host {
  readonly journal: Journal;
  readonly clock: Clock;
  readonly cache: CacheStore;
  readonly results: ResultStore;
  readonly logs: LogSink;
  readonly mode: "wait" | "suspend";
  readonly subflows: SubflowRunner;
  readonly resultInlineLimit: number | undefined;
  readonly signal: AbortSignal | undefined;
}

const defaultCache = new InMemoryCacheStore();
const defaultResults = new InMemoryResultStore();
const defaultJournal = new InMemoryJournal();

/**
 * Fills in the ports `options` leaves out.
 *
 * @example
 * ```ts
 * const host = resolveHost({ console: false }, inProcessSubflows);
 * ```
 */
export function resolveHost(options: RunOptions, subflows: SubflowRunner): Host {
  const consoleOption = options.console ?? true;
  const consoleSink =
    consoleOption === false
      ? undefined
      : new ConsoleLogSink(consoleOption === true ? {} : { level: consoleOption });
  let logs: LogSink;
  if (options.logs !== undefined && consoleSink !== undefined)
    logs = teeSinks(options.logs, consoleSink);
  else logs = options.logs ?? consoleSink ?? { write() {} };
  return {
    journal: options.journal ?? defaultJournal,
    clock: options.clock ?? systemClock,
    cache: options.cache ?? defaultCache,
    results: options.results ?? defaultResults,
    logs,
    mode: options.mode ?? "wait",
    subflows: options.subflows ?? subflows,
    resultInlineLimit: options.resultInlineLimit,
    signal: options.signal,
  };
}
