/**
 * The ports an execution runs against, resolved from `RunOptions` with in-memory and system
 * defaults, and the subflow port a durable host replaces.
 *
 * @module
 */

import { InMemoryCacheStore } from "../cache.ts";
import { systemClock } from "../clock.ts";
import { InMemoryJournal } from "../journal.ts";
import { InMemoryConcurrency } from "../limits/in_memory.ts";
import { ConsoleLogSink, type LogSink, teeSinks } from "../logs.ts";
import type { Host, SubflowRunner } from "../ports.ts";
import { InMemoryResultStore } from "../results.ts";
import { noDeployments } from "../run_deployment.ts";
import type { RunOptions } from "../run_options.ts";

export type {
  ChildRunOutcome,
  ChildRunRequest,
  DeploymentRunner,
  DeploymentRunRequest,
  Host,
  SubflowRunner,
} from "../ports.ts";

const defaultCache = new InMemoryCacheStore();
const defaultResults = new InMemoryResultStore();
const defaultJournal = new InMemoryJournal();
const defaultLimits = new InMemoryConcurrency();

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
    deployments: options.deployments ?? noDeployments,
    limits: options.limits ?? defaultLimits,
    resultInlineLimit: options.resultInlineLimit,
    signal: options.signal,
  };
}
