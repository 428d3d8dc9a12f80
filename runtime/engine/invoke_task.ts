/**
 * One attempt of a task: calls its function with its context as `this`, under its timeout and
 * abort signal, capturing console output when `logPrints` is on.
 *
 * @module
 */

import { captureConsole } from "../console_capture.ts";
import type { TaskContext } from "../context.ts";
import { formatMillis, toMillis } from "../duration.ts";
import { TimeoutError } from "../errors.ts";
import { boundLogger, type Logger } from "../logs.ts";
import type { AnyTask } from "../task_types.ts";
import { offAbort, onAbort } from "./abort_callbacks.ts";
import type { Execution } from "./execution.ts";

/** How an attempt ended. */
export type InvokeResult =
  | { ok: true; value: unknown }
  | { ok: false; error: Error; timedOut: boolean };

/**
 * Runs one attempt; never rejects.
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
): Promise<InvokeResult> {
  const timeoutMs =
    task.options.timeout === undefined ? undefined : toMillis(task.options.timeout, "timeout");
  // The attempt stops when the step's signal aborts or the timeout fires, whichever is first.
  // Its AbortSignal (ctx.signal) is made only if the task reads it: creating an AbortController
  // (or an AbortSignal.any) costs microseconds in Node, more than the rest of a step.
  let stopped: { readonly reason: unknown } | undefined;
  let userLogger: Logger | undefined;
  let attemptAbort: AbortController | undefined;
  let timedOut = false;
  let finish!: (result: InvokeResult) => void;
  const done = new Promise<InvokeResult>((resolve) => {
    finish = resolve;
  });
  const stop = (reason: unknown, byTimeout: boolean) => {
    if (stopped !== undefined) return;
    stopped = { reason };
    timedOut = byTimeout;
    attemptAbort?.abort(reason);
    const error = toError(reason);
    finish({ ok: false, error, timedOut: error instanceof TimeoutError && timedOut });
  };
  // One listener per signal for every attempt (see abort_callbacks.ts).
  const listening = onAbort(signal, () => stop(signal.reason, false));
  const ctx: TaskContext = {
    taskName: task.taskName,
    taskRunName: runName,
    taskRunId: `${exec.runId}/${stepId}`,
    stepId,
    flowRunId: exec.runId,
    flowName: exec.flow.flowName,
    attempt,
    get signal() {
      if (attemptAbort === undefined) {
        attemptAbort = new AbortController();
        if (stopped !== undefined) attemptAbort.abort(stopped.reason);
      }
      return attemptAbort.signal;
    },
    // Made on first use: most tasks never log, and a detachable logger costs closures.
    get logger() {
      userLogger ??= boundLogger(logger);
      return userLogger;
    },
    tags: task.options.tags ?? [],
  };
  const call = async () => task.fn.apply(ctx, args as unknown[]);
  const logPrints = task.options.logPrints ?? exec.flow.options.logPrints ?? false;
  const running = logPrints
    ? captureConsole((level, message) => {
        if (level === "ERROR") logger.error(message);
        else if (level === "WARNING") logger.warning(message);
        else if (level === "DEBUG") logger.debug(message);
        else logger.info(message);
      }, call)
    : call();
  running.then(
    (value) => finish({ ok: true, value }),
    (error: unknown) => finish({ ok: false, error: toError(error), timedOut: false }),
  );
  const timer = timeoutMs === undefined ? undefined : new AbortController();
  if (timer !== undefined && timeoutMs !== undefined) {
    exec.host.clock.sleepUntil(exec.now() + timeoutMs, timer.signal).then(
      () =>
        stop(
          new TimeoutError(
            `Task run '${runName}' exceeded its timeout of ${formatMillis(timeoutMs)}`,
          ),
          true,
        ),
      () => {},
    );
  }
  try {
    const result = await done;
    if (!result.ok && result.error instanceof TimeoutError && timedOut) {
      return { ok: false, error: result.error, timedOut: true };
    }
    return result;
  } finally {
    offAbort(listening);
    timer?.abort();
  }
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : `Non-error value thrown: ${String(value)}`);
}
