/**
 * What every way of running a task shares: its `step.started` entry, the steps whose results
 * it was given, and how it ends in failure or cancellation.
 *
 * @module
 */

import {
  CancelledError,
  describeError,
  serializeError,
  stackFrames,
  TimeoutError,
} from "../errors.ts";
import type { JournalEntry } from "../journal.ts";
import { Cancelled, Failed, type State } from "../states.ts";
import type { AnyTask } from "../task_types.ts";
import type { Execution, Outcome } from "./execution.ts";

const NO_INPUTS: string[] = [];

/**
 * The ids of the steps whose (object) results are passed in `args`, for the run graph.
 *
 * @example
 * ```ts
 * inputsOf(execution, [rows]); // ["0"] when step 0 returned `rows`
 * ```
 */
export function inputsOf(exec: Execution, args: readonly unknown[]): readonly string[] {
  let inputs: string[] = NO_INPUTS;
  for (const arg of args) {
    if (typeof arg !== "object" || arg === null) continue;
    const producer = exec.producedBy.get(arg);
    if (producer === undefined) continue;
    if (inputs === NO_INPUTS) inputs = [];
    inputs.push(producer);
  }
  return inputs;
}

/**
 * A task attempt's `step.started` entry.
 *
 * @example
 * ```ts
 * await execution.append([started("0", task, "inc-0", 1, Running(at), at, [])]);
 * ```
 */
export function started(
  stepId: string,
  task: AnyTask,
  runName: string,
  attempt: number,
  state: State,
  at: number,
  inputs: readonly string[],
): JournalEntry {
  // Optional fields are set only when present, as a spread would; a spread of a fresh `{}`
  // per entry costs an object and a runtime call in V8.
  const entry: Mutable<Extract<JournalEntry, { type: "step.started" }>> = {
    type: "step.started",
    at,
    stepId,
    kind: "task",
    name: task.taskName,
    runName,
    attempt,
    state,
  };
  const tags = task.options.tags;
  if (tags !== undefined) entry.tags = tags;
  if (inputs.length > 0) entry.inputs = inputs;
  return entry;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Journals a task run's final failure and returns it as the step's outcome. Its "Finished in
 * state" line is rendered from the entry (see `engine_lines.ts`).
 *
 * @example
 * ```ts
 * return fail(execution, "0", error, 1, Failed(at, { message }));
 * ```
 */
export async function fail(
  exec: Execution,
  stepId: string,
  error: Error,
  attempt: number,
  state: State,
): Promise<Outcome> {
  await exec.append([
    {
      type: "step.failed",
      at: state.timestamp,
      stepId,
      state,
      error: serializeError(error),
      attempt,
    },
  ]);
  return { ok: false, error, at: state.timestamp, state };
}

/**
 * Journals a task run stopped by its step's signal: Cancelled for a cancellation, Failed for
 * any other reason (a lost race, a flow timeout).
 *
 * @example
 * ```ts
 * if (signal.aborted) return cancelled(execution, "0", abortReason(signal), 1);
 * ```
 */
export async function cancelled(
  exec: Execution,
  stepId: string,
  reason: unknown,
  attempt: number,
): Promise<Outcome> {
  const error =
    reason instanceof Error ? reason : new CancelledError(String(reason ?? "Cancelled"));
  const at = exec.now();
  // Read the message first: CancelledError has Error's shape, so narrowing on it leaves `never`.
  const message = error.message;
  const state =
    error instanceof CancelledError ? Cancelled(at, { message }) : Failed(at, { message });
  return fail(exec, stepId, error, attempt, state);
}

/**
 * A thrown value as an Error (user code may throw anything).
 *
 * @example
 * ```ts
 * toError("boom").message; // "boom"
 * ```
 */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : `Non-error value thrown: ${String(value)}`);
}

/**
 * The log line of a final failure: the exception with its causes, then its stack (the stack
 * stays in the logs; the API's error fields carry none). `what` is "Task run" or "Flow run".
 *
 * @example
 * ```ts
 * logger.error(failureLine(new Error("boom"))); // "Task run failed with exception: Error: boom\n    at ..."
 * ```
 */
export function failureLine(error: Error, what = "Task run"): string {
  // A timeout's stack shows only the engine's timer, not the task's code.
  const frames = error instanceof TimeoutError ? "" : stackFrames(error);
  return `${what} failed with exception: ${describeError(error)}${frames === "" ? "" : `\n${frames}`}`;
}
