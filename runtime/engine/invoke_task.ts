/**
 * One attempt of a task: calls its function with its context as `this`, under its timeout and
 * its step's abort signal, capturing console output when `logPrints` is on. Both ways of
 * running a task (`run_task.ts` and the plain fast path) make their attempts here.
 *
 * @module
 */

import { type ConsoleTarget, captureConsole } from "../console_capture.ts";
import type { TaskContext } from "../context.ts";
import { formatMillis } from "../duration.ts";
import { TimeoutError } from "../errors.ts";
import { boundLogger, type Logger } from "../logs.ts";
import type { AnyTask } from "../task_types.ts";
import { type AbortCallback, offAbort, onAbort } from "./abort_callbacks.ts";
import type { Execution } from "./execution.ts";
import { toError } from "./task_run_entries.ts";

const NO_TAGS: readonly string[] = Object.freeze([]);

/** How an attempt ended. */
export type InvokeResult =
  | { ok: true; value: unknown }
  | { ok: false; error: Error; timedOut: boolean };

/**
 * Runs one attempt; never rejects. `timeoutMs` and `logPrints` come from the task's options.
 *
 * @example
 * ```ts
 * const result = await invoke(execution, task, [url], "0", "fetch-fact-0", 1, signal, logger);
 * ```
 */
export async function invoke(
  exec: Execution,
  task: AnyTask,
  args: readonly unknown[],
  stepId: string,
  runName: string,
  attempt: number,
  signal: AbortSignal,
  logger: Logger,
  timeoutMs: number | undefined,
  logPrints: boolean,
): Promise<InvokeResult> {
  const running = new TaskAttempt(exec, task, stepId, runName, attempt, signal, logger);
  try {
    return { ok: true, value: await TaskAttempt.run(running, args, timeoutMs, logPrints) };
  } catch (thrown) {
    const error = toError(thrown);
    return {
      ok: false,
      error,
      timedOut: error instanceof TimeoutError && TaskAttempt.timedOut(running),
    };
  }
}

/**
 * One attempt of a task, and the task's `this`. Its own properties are the context's fields;
 * the signal and the logger are made on first read (most tasks read neither); the machinery
 * is in private fields and static methods, so `this` shows nothing but the context.
 *
 * @example
 * ```ts
 * const value = await TaskAttempt.run(new TaskAttempt(execution, task, "0", "inc-0", 1, signal), [1]);
 * ```
 */
export class TaskAttempt implements TaskContext {
  readonly taskName: string;
  readonly taskRunName: string;
  readonly taskRunId: string;
  readonly stepId: string;
  readonly flowRunId: string;
  readonly flowName: string;
  readonly attempt: number;
  readonly tags: readonly string[];
  readonly #exec: Execution;
  readonly #fn: AnyTask["fn"];
  readonly #stepSignal: AbortSignal;
  /** The step's logger, when the caller has one; made on first use otherwise. */
  #stepLogger: Logger | undefined;
  #userLogger: Logger | undefined;
  #controller: AbortController | undefined;
  /** Why the attempt was stopped (the step's signal aborted, or the timeout fired). */
  #stopped: { readonly reason: unknown; readonly byTimeout: boolean } | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  #listening: AbortCallback | undefined;
  #timer: AbortController | undefined;

  constructor(
    exec: Execution,
    task: AnyTask,
    stepId: string,
    runName: string,
    attempt: number,
    signal: AbortSignal,
    logger?: Logger,
  ) {
    this.taskName = task.taskName;
    this.taskRunName = runName;
    this.taskRunId = `${exec.runId}/${stepId}`;
    this.stepId = stepId;
    this.flowRunId = exec.runId;
    this.flowName = exec.flow.flowName;
    this.attempt = attempt;
    this.tags = task.options.tags ?? NO_TAGS;
    this.#exec = exec;
    this.#fn = task.fn;
    this.#stepSignal = signal;
    this.#stepLogger = logger;
  }

  /** Aborts, with the same reason, when the attempt is stopped while it runs. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      // An AbortController costs microseconds in Node: made only for tasks that read it.
      this.#controller = new AbortController();
      if (this.#stopped !== undefined) this.#controller.abort(this.#stopped.reason);
    }
    return this.#controller.signal;
  }

  /** The task run's logger, whose methods work detached. */
  get logger(): Logger {
    this.#userLogger ??= boundLogger(this.#logger());
    return this.#userLogger;
  }

  #logger(): Logger {
    this.#stepLogger ??= this.#exec.stepLogger(this.stepId, `Task run '${this.taskRunName}'`);
    return this.#stepLogger;
  }

  /** Whether the attempt was stopped by its timeout. */
  static timedOut(attempt: TaskAttempt): boolean {
    return attempt.#stopped?.byTimeout === true;
  }

  /**
   * Calls the function with the attempt as `this`; settles with its result, or rejects with
   * its error, or as soon as the step's signal aborts or the timeout fires (with the reason).
   */
  static run(
    attempt: TaskAttempt,
    args: readonly unknown[],
    timeoutMs?: number,
    logPrints = false,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      attempt.#reject = reject;
      const signal = attempt.#stepSignal;
      // Listen first: the function sees an aborted ctx.signal if the step is already stopped.
      attempt.#listening = onAbort(signal, () => attempt.#stop(signal.reason, false));
      let result: unknown;
      let threw = false;
      try {
        result = logPrints
          ? captureConsole(attempt.#printTo(), async () =>
              attempt.#fn.apply(attempt, args as unknown[]),
            )
          : attempt.#fn.apply(attempt, args as unknown[]);
      } catch (error) {
        threw = true;
        result = error;
      }
      // The timer starts once the function has returned, whatever it returned.
      if (timeoutMs !== undefined) attempt.#startTimer(timeoutMs);
      if (threw) {
        attempt.#done();
        reject(result);
        return;
      }
      if (!isThenable(result)) {
        attempt.#done();
        resolve(result);
        return;
      }
      // Promise.resolve adopts a foreign thenable a microtask later, as `await` would.
      Promise.resolve(result).then(
        (value) => {
          attempt.#done();
          resolve(value);
        },
        (error: unknown) => {
          attempt.#done();
          reject(error);
        },
      );
    });
  }

  /** Stops the attempt at once (the first stop wins): its signal aborts, `run` rejects. */
  #stop(reason: unknown, byTimeout: boolean): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = { reason, byTimeout };
    this.#controller?.abort(reason);
    this.#reject?.(reason);
  }

  /** The function settled: nothing may stop the attempt any more. */
  #done(): void {
    if (this.#listening !== undefined) offAbort(this.#listening);
    this.#timer?.abort();
  }

  #startTimer(timeoutMs: number): void {
    const exec = this.#exec;
    this.#timer = new AbortController();
    exec.host.clock.sleepUntil(exec.now() + timeoutMs, this.#timer.signal).then(
      () =>
        this.#stop(
          new TimeoutError(
            `Task run '${this.taskRunName}' exceeded its timeout of ${formatMillis(timeoutMs)}`,
          ),
          true,
        ),
      () => {},
    );
  }

  /** Where console lines go while a `logPrints` task runs: its log, at their level. */
  #printTo(): ConsoleTarget {
    const logger = this.#logger();
    return (level, message) => {
      if (level === "ERROR") logger.error(message);
      else if (level === "WARNING") logger.warning(message);
      else if (level === "DEBUG") logger.debug(message);
      else logger.info(message);
    };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
