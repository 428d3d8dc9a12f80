/**
 * Runs a task step: cache lookup, attempts with timeout and abort, retries with delays, and a
 * journal entry for every state the task run passes through.
 *
 * @module
 */

import { abortReason } from "../clock.ts";
import { type Encoded, encode } from "../codec.ts";
import { formatMillis, toMillis } from "../duration.ts";
import {
  describeError,
  isNonRetryable,
  NonRetryableError,
  RetryAfterError,
  serializeError,
} from "../errors.ts";
import type { ResultRef } from "../journal.ts";
import { hashString, seededRandom } from "../random.ts";
import { retryDelayMs } from "../retry.ts";
import { formatTemplate } from "../run_names.ts";
import {
  AwaitingRetry,
  Cached,
  Completed,
  Failed,
  Retrying,
  Running,
  TimedOut,
} from "../states.ts";
import type { StepSpec } from "../step.ts";
import type { AnyTask } from "../task_types.ts";
import { cacheKeyFor } from "./cache_key.ts";
import type { Execution, Outcome } from "./execution.ts";
import { invoke } from "./invoke_task.ts";
import type { StepRecord } from "./run_record.ts";
import { giveBack } from "./slots.ts";
import { cancelled, fail, failureLine, inputsOf, started } from "./task_run_entries.ts";
import { type HeldSlot, limitedTags, takeTaskSlots } from "./task_slots.ts";

type TaskSpec = Extract<StepSpec, { type: "task" }>;

/**
 * Runs a task step to its final outcome.
 *
 * @example
 * ```ts
 * const outcome = await runTask(execution, "0", spec, undefined, "fetch-fact-0", execution.signal);
 * ```
 */
export async function runTask(
  exec: Execution,
  stepId: string,
  spec: TaskSpec,
  rec: StepRecord | undefined,
  runName: string,
  signal: AbortSignal,
): Promise<Outcome> {
  const task = spec.task;
  const options = task.options;
  const logger = exec.stepLogger(stepId, `Task run '${runName}'`);
  const inputs = inputsOf(exec, spec.args);
  const timeoutMs =
    options.timeout === undefined ? undefined : toMillis(options.timeout, "timeout");
  const logPrints = options.logPrints ?? exec.flow.options.logPrints ?? false;
  exec.activity.enter();
  try {
    let cacheKey: string | undefined;
    if (options.cache) {
      try {
        cacheKey = await cacheKeyFor(exec, task, spec.args);
      } catch (error) {
        // As Prefect does: a failing key function means no caching, not a failed run.
        logger.warning(`Cannot compute the cache key: ${String(error)}; running without the cache`);
      }
    }
    const cacheOptions = typeof options.cache === "object" ? options.cache : {};
    if (cacheKey !== undefined && rec === undefined && cacheOptions.refresh !== true) {
      const hit = await exec.host.cache.get(cacheKey);
      const at = exec.now();
      if (hit !== undefined && (hit.expiresAt === undefined || hit.expiresAt > at)) {
        const state = Cached(at);
        await exec.append([
          started(stepId, task, runName, 1, Running(at), at, inputs),
          { type: "step.completed", at, stepId, state, value: hit.value, cacheKey },
        ]);
        const value = exec.payloadOf({ eventId: "", name: "", payload: hit.value, at });
        exec.noteProduced(value, stepId);
        return { ok: true, value, at, state };
      }
    }
    // Which of the task's tags are limits: asked once per task run, before any attempt.
    const asked = limitedTags(exec, task);
    const limits = asked instanceof Promise ? await asked : asked;
    for (;;) {
      const current = exec.record.steps.get(stepId);
      const retryAt = current?.retryAt;
      if (retryAt !== undefined) {
        exec.activity.leave();
        try {
          await exec.activity.until(retryAt, signal, "retryDelay");
        } catch (error) {
          return await cancelled(exec, stepId, error, current?.attempt ?? 1);
        } finally {
          exec.activity.enter();
        }
      }
      const attempt = (current?.failures ?? 0) + 1;
      if (signal.aborted) return await cancelled(exec, stepId, abortReason(signal), attempt);
      let held: readonly HeldSlot[] = [];
      if (limits.length > 0) {
        const taken = await takeTaskSlots(
          exec,
          stepId,
          task,
          runName,
          attempt,
          limits,
          inputs,
          signal,
        );
        if (!taken.ok) {
          if (taken.cancelled) return await cancelled(exec, stepId, taken.error, attempt);
          logger.error(taken.error.message);
          const state = Failed(exec.now(), { message: taken.error.message });
          return await fail(exec, stepId, taken.error, attempt, state);
        }
        held = taken.held;
      }
      const startAt = exec.now();
      const starting = exec.append([
        started(
          stepId,
          task,
          runName,
          attempt,
          attempt > 1 ? Retrying(startAt) : Running(startAt),
          startAt,
          inputs,
        ),
      ]);
      // A journal that stores synchronously needs no await (see Execution.append).
      if (starting !== undefined) await starting;
      const result = await invoke(
        exec,
        task,
        spec.args,
        stepId,
        runName,
        attempt,
        signal,
        logger,
        timeoutMs,
        logPrints,
      );
      // The attempt's work is done: its slots go to the next in line before anything is stored.
      if (held.length > 0) await giveBack(exec, held);
      if (result.ok) {
        let stored: { value: Encoded } | { ref: ResultRef };
        let encoded: Encoded;
        try {
          encoded = encode(result.value);
          const storing = exec.storeEncoded(
            encoded,
            persistKey(exec, task, spec.args, stepId, runName),
          );
          stored = storing instanceof Promise ? await storing : storing;
        } catch (error) {
          const wrapped = new NonRetryableError(
            `Task run '${runName}' returned a result that cannot be stored: ${(error as Error).message}`,
            { cause: error },
          );
          return await fail(
            exec,
            stepId,
            wrapped,
            attempt,
            Failed(exec.now(), { message: wrapped.message }),
          );
        }
        const at = exec.now();
        const state = Completed(at);
        const completing = exec.append([
          {
            type: "step.completed",
            at,
            stepId,
            state,
            ...stored,
            ...(cacheKey === undefined ? {} : { cacheKey }),
          },
        ]);
        if (completing !== undefined) await completing;
        if (cacheKey !== undefined) {
          const expiration = cacheOptions.expiration;
          await exec.host.cache.set(cacheKey, {
            value: encoded,
            createdAt: at,
            ...(expiration === undefined
              ? {}
              : { expiresAt: at + toMillis(expiration, "cache expiration") }),
          });
        }
        const value = exec.payloadOf({ eventId: "", name: "", payload: encoded, at });
        exec.noteProduced(value, stepId);
        return { ok: true, value, at, state };
      }
      const error = result.error;
      if (!result.timedOut && signal.aborted) {
        return await cancelled(exec, stepId, abortReason(signal), attempt);
      }
      const retries = options.retries ?? 0;
      let retry = attempt <= retries && !isNonRetryable(error);
      if (retry && options.retryCondition !== undefined) {
        try {
          retry = await options.retryCondition(error, attempt);
        } catch (conditionError) {
          logger.error(`retryCondition threw ${String(conditionError)}; not retrying`);
          retry = false;
        }
      }
      if (retry) {
        const delay =
          error instanceof RetryAfterError
            ? error.retryAt === undefined
              ? error.retryAfterMs
              : Math.max(0, error.retryAt - exec.now())
            : retryDelayMs(
                options.retryDelay,
                attempt,
                options.retryJitterFactor,
                seededRandom(hashString(`${exec.runId}/${stepId}/${attempt}`)),
              );
        const at = exec.now();
        const next = at + delay;
        await exec.append([
          {
            type: "step.failed",
            at,
            stepId,
            state: AwaitingRetry(at, { scheduledTime: next, message: error.message }),
            error: serializeError(error),
            attempt,
            retryAt: next,
          },
        ]);
        logger.error(
          `Task run failed with exception: ${describeError(error)} - Retry ${attempt}/${retries} will start ${formatMillis(delay)} from now`,
        );
        continue;
      }
      const at = exec.now();
      const state = result.timedOut
        ? TimedOut(at, { message: error.message })
        : Failed(at, {
            message: `Task run encountered an exception ${describeError(error)}`,
          });
      logger.error(failureLine(error));
      return await fail(exec, stepId, error, attempt, state);
    }
  } finally {
    exec.activity.leave();
  }
}

function persistKey(
  exec: Execution,
  task: AnyTask,
  args: readonly unknown[],
  stepId: string,
  runName: string,
): string | undefined {
  const template = task.options.resultStorageKey;
  if (template === undefined) {
    return task.options.persistResult ? `${exec.runId}/${stepId}` : undefined;
  }
  const first = args[0];
  const argFields = args.length === 1 && typeof first === "object" && first !== null ? first : {};
  return formatTemplate(template, {
    ...args,
    ...argFields,
    flowRunId: exec.runId,
    flowName: exec.flow.flowName,
    taskName: task.taskName,
    taskRunName: runName,
    stepId,
  });
}
