/**
 * What user code gets to know about the run it is part of, passed in explicitly (browsers have
 * no AsyncLocalStorage): a task receives a {@link TaskContext} as `this`, a flow body receives
 * a {@link FlowContext} as its second argument.
 *
 * @module
 */

import type { Logger } from "./logs.ts";

/**
 * A task's view of its run. Tasks written as `async function (this: TaskContext, ...)` get it
 * as `this`.
 *
 * @example
 * ```ts
 * const fetchFact = task({ name: "fetch-fact" }, async function (this: TaskContext, url: string) {
 *   this.logger.info(`attempt ${this.attempt}`);
 *   return (await fetch(url, { signal: this.signal })).json();
 * });
 * ```
 */
export interface TaskContext {
  readonly taskName: string;
  /** This task run's name, e.g. "fetch-fact-0". */
  readonly taskRunName: string;
  /** This task run's id: the flow run's id and the step id. */
  readonly taskRunId: string;
  readonly stepId: string;
  readonly flowRunId: string;
  readonly flowName: string;
  /** 1 on the first try, 2 on the first retry, and so on. */
  readonly attempt: number;
  /** Aborts when the run is cancelled, the task times out, or it loses a race. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly tags: readonly string[];
}

/**
 * A flow body's view of its run. Time and randomness come from here so that replaying the
 * journal gives the body the same values it saw the first time.
 *
 * @example
 * ```ts
 * const daily = flow({ name: "daily" }, async function* (_params: {}, ctx) {
 *   ctx.logger.info(`run ${ctx.runName} at ${ctx.now().toISOString()}`);
 * });
 * ```
 */
export interface FlowContext {
  readonly runId: string;
  readonly runName: string;
  readonly flowName: string;
  readonly parentRunId: string | undefined;
  readonly tags: readonly string[];
  /** 1 on the first run, 2 after the first flow-level retry, and so on. */
  readonly attempt: number;
  /** Logs to this flow run. Silent while the body replays steps it already ran. */
  readonly logger: Logger;
  /** True while the body is being replayed against journaled steps. */
  readonly isReplaying: boolean;
  /** The run's logical time: when the last step the body saw finished (or the run started). */
  now(): Date;
  /** A number in [0, 1), the same on every replay. */
  random(): number;
  /** A v4-format UUID, the same on every replay. */
  uuid(): string;
}
