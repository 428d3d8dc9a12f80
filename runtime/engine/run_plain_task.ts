/**
 * The fast path for plain tasks, the common case: no cache, no timeout, no retries, no
 * persisted result and no `logPrints`, on a step the journal has not seen. Such a run is one
 * attempt that journals `step.started`, calls the function and journals its end, exactly as
 * `runTask` would (`plain_task.test.ts` compares them), in one small async function: no cache
 * or retry bookkeeping, and no logger object unless a line other than "Finished" is written.
 *
 * @module
 */

import { abortReason } from "../clock.ts";
import { decode, type Encoded, encode } from "../codec.ts";
import { describeError, NonRetryableError } from "../errors.ts";
import type { AnyFlow } from "../flow_types.ts";
import type { ResultRef } from "../journal.ts";
import { Completed, Failed, Running, type State } from "../states.ts";
import type { StepSpec } from "../step.ts";
import type { AnyTask } from "../task_types.ts";
import type { Execution, Outcome } from "./execution.ts";
import { TaskAttempt } from "./invoke_task.ts";
import { cancelled, fail, failureLine, inputsOf, started, toError } from "./task_run_entries.ts";

type TaskSpec = Extract<StepSpec, { type: "task" }>;

/**
 * Whether a task can take the fast path: none of the options that need `runTask`'s
 * bookkeeping is set.
 *
 * @example
 * ```ts
 * isPlainTask(task({ name: "inc" }, (n: number) => n + 1), myFlow); // true
 * ```
 */
export function isPlainTask(task: AnyTask, flow: AnyFlow): boolean {
  const o = task.options;
  return (
    !o.cache &&
    o.timeout === undefined &&
    !(o.retries !== undefined && o.retries > 0) &&
    !o.persistResult &&
    o.resultStorageKey === undefined &&
    !(o.logPrints ?? flow.options.logPrints ?? false)
  );
}

/**
 * Runs a plain task step (see {@link isPlainTask}) that the journal does not hold yet.
 *
 * @example
 * ```ts
 * const outcome = await runPlainTask(execution, "0", spec, "inc-0", execution.signal);
 * ```
 */
export async function runPlainTask(
  exec: Execution,
  stepId: string,
  spec: TaskSpec,
  runName: string,
  signal: AbortSignal,
): Promise<Outcome> {
  // The hot path only: an async function's frame holds every register it may use, so the
  // rare endings live in functions of their own.
  const task = spec.task;
  const inputs = inputsOf(exec, spec.args);
  exec.activity.enter();
  try {
    if (signal.aborted) return await stopped(exec, stepId, signal);
    const startAt = exec.now();
    const starting = exec.append([
      started(stepId, task, runName, 1, Running(startAt), startAt, inputs),
    ]);
    // A journal that stores synchronously needs no await (see Execution.append).
    if (starting !== undefined) await starting;
    let value: unknown;
    try {
      value = await TaskAttempt.run(
        new TaskAttempt(exec, task, stepId, runName, 1, signal),
        spec.args,
      );
    } catch (thrown) {
      return await threw(exec, stepId, runName, signal, thrown);
    }
    const done = complete(exec, stepId, runName, value);
    return done instanceof Promise ? await done : done;
  } finally {
    exec.activity.leave();
  }
}

/** Journals the result; answers at once when the journal and the result store do. */
function complete(
  exec: Execution,
  stepId: string,
  runName: string,
  value: unknown,
): Outcome | Promise<Outcome> {
  let encoded: Encoded;
  let storing: { value: Encoded } | Promise<{ ref: ResultRef }>;
  try {
    encoded = encode(value);
    storing = exec.storeEncoded(encoded, undefined);
  } catch (error) {
    return unstorable(exec, stepId, runName, error);
  }
  if (storing instanceof Promise) return completeAfter(exec, stepId, runName, encoded, storing);
  const at = exec.now();
  const state = Completed(at);
  const completing = exec.append([
    { type: "step.completed", at, stepId, state, value: storing.value },
  ]);
  if (completing !== undefined)
    return completing.then(() => completed(exec, stepId, encoded, at, state));
  return completed(exec, stepId, encoded, at, state);
}

/** {@link complete} for a result that goes to the result store first. */
async function completeAfter(
  exec: Execution,
  stepId: string,
  runName: string,
  encoded: Encoded,
  storing: Promise<{ ref: ResultRef }>,
): Promise<Outcome> {
  let stored: { ref: ResultRef };
  try {
    stored = await storing;
  } catch (error) {
    return unstorable(exec, stepId, runName, error);
  }
  const at = exec.now();
  const state = Completed(at);
  await exec.append([{ type: "step.completed", at, stepId, state, ref: stored.ref }]);
  return completed(exec, stepId, encoded, at, state);
}

/** The outcome of a journaled completion (its "Finished" line comes from the entry). */
function completed(
  exec: Execution,
  stepId: string,
  encoded: Encoded,
  at: number,
  state: State,
): Outcome {
  // The decoded copy, so a first run and a replay see equal values.
  const value = decode(encoded);
  exec.noteProduced(value, stepId);
  return { ok: true, value, at, state };
}

/** The step was stopped before its function ran. */
function stopped(exec: Execution, stepId: string, signal: AbortSignal): Promise<Outcome> {
  return cancelled(exec, stepId, abortReason(signal), 1);
}

/** The function threw or rejected, or the step's signal aborted while it ran. */
function threw(
  exec: Execution,
  stepId: string,
  runName: string,
  signal: AbortSignal,
  thrown: unknown,
): Promise<Outcome> {
  if (signal.aborted) return stopped(exec, stepId, signal);
  const logger = exec.stepLogger(stepId, `Task run '${runName}'`);
  const error = toError(thrown);
  const state = Failed(exec.now(), {
    message: `Task run encountered an exception ${describeError(error)}`,
  });
  logger.error(failureLine(error));
  return fail(exec, stepId, error, 1, state);
}

/** The result cannot be encoded or stored: the run fails, without retries. */
function unstorable(
  exec: Execution,
  stepId: string,
  runName: string,
  error: unknown,
): Promise<Outcome> {
  const wrapped = new NonRetryableError(
    `Task run '${runName}' returned a result that cannot be stored: ${(error as Error).message}`,
    { cause: error },
  );
  const state = Failed(exec.now(), { message: wrapped.message });
  return fail(exec, stepId, wrapped, 1, state);
}
