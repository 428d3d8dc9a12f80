/**
 * A step's cancellation, journaled: one place for every kind of step that can be cancelled
 * while it waits (a subflow, a deployment run, a sleep, an event wait).
 *
 * @module
 */

import { CancelledError, serializeError } from "../errors.ts";
import { Cancelled, Failed } from "../states.ts";
import type { Execution, Outcome } from "./execution.ts";

/**
 * Journals a step's cancellation and returns it as a failed outcome.
 *
 * @example
 * ```ts
 * return await cancelStep(exec, stepId, signal.reason, attempt);
 * ```
 */
export async function cancelStep(
  exec: Execution,
  stepId: string,
  reason: unknown,
  attempt: number,
): Promise<Outcome> {
  const error = reason instanceof Error ? reason : new CancelledError(String(reason));
  const at = exec.now();
  // Read the message first: CancelledError has Error's shape, so narrowing on it leaves `never`.
  const message = error.message;
  const state =
    error instanceof CancelledError ? Cancelled(at, { message }) : Failed(at, { message });
  await exec.append([
    { type: "step.failed", at, stepId, state, error: serializeError(error), attempt },
  ]);
  return { ok: false, error, at, state };
}
