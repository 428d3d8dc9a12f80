/**
 * Runs a subflow step: journals the child run's id, hands the child to the host's subflow
 * runner, and journals the child's outcome as the step's. A child that suspends suspends its
 * parent; replay finds the child by its journaled id and resumes it.
 *
 * @module
 */

import { decode } from "../codec.ts";
import { deserializeError } from "../errors.ts";
import { randomUUID } from "../random.ts";
import { Completed, Failed, Running } from "../states.ts";
import type { StepSpec } from "../step.ts";
import { cancelStep } from "./cancel_step.ts";
import type { Execution, Outcome } from "./execution.ts";
import type { ChildRunOutcome } from "./host.ts";
import type { StepRecord } from "./run_record.ts";

/**
 * Runs a subflow step to its final outcome (or suspends the parent while the child waits).
 *
 * @example
 * ```ts
 * const outcome = await runSubflow(execution, "2", spec, undefined, "etl", execution.signal);
 * ```
 */
export async function runSubflow(
  exec: Execution,
  stepId: string,
  spec: Extract<StepSpec, { type: "subflow" }>,
  rec: StepRecord | undefined,
  runName: string,
  signal: AbortSignal,
): Promise<Outcome> {
  let childRunId = rec?.childRunId;
  if (childRunId === undefined) {
    childRunId = randomUUID();
    const at = exec.now();
    await exec.append([
      {
        type: "step.started",
        at,
        stepId,
        kind: "subflow",
        name: spec.flow.flowName,
        runName,
        attempt: (rec?.attempt ?? 0) + 1,
        state: Running(at),
        childRunId,
        ...(spec.tags === undefined ? {} : { tags: spec.tags }),
      },
    ]);
  }
  exec.activity.enter();
  let child: Awaited<ReturnType<typeof exec.host.subflows.run>>;
  try {
    child = await exec.host.subflows.run(
      {
        flow: spec.flow,
        runId: childRunId,
        params: spec.params,
        parentRunId: exec.runId,
        parentStepId: stepId,
        ...(spec.name === undefined ? {} : { name: spec.name }),
        ...(spec.tags === undefined ? {} : { tags: spec.tags }),
        signal,
      },
      exec.host,
    );
  } catch (error) {
    return cancelStep(exec, stepId, error, rec?.attempt ?? 1);
  } finally {
    exec.activity.leave();
  }
  if (child.status === "suspended") {
    // The child waits on a timer or an event: so does the parent, without holding anything.
    return exec.activity.block(new Promise<never>(() => {}), signal, child.wakeAt);
  }
  return finishChildStep(exec, stepId, child, rec?.attempt ?? 1);
}

/**
 * Journals how a child run ended as its step's outcome: its result, or its error and state.
 * Shared by subflows and deployment runs.
 *
 * @example
 * ```ts
 * if (child.status === "finished") return finishChildStep(exec, stepId, child, attempt);
 * ```
 */
export async function finishChildStep(
  exec: Execution,
  stepId: string,
  child: Extract<ChildRunOutcome, { status: "finished" }>,
  attempt: number,
): Promise<Outcome> {
  // The step's "Finished in state" line is rendered from its entry (see engine_lines.ts).
  const at = exec.now();
  if (child.state.type === "COMPLETED") {
    const state = Completed(at);
    const stored = child.ref === undefined ? { value: child.value ?? null } : { ref: child.ref };
    await exec.append([{ type: "step.completed", at, stepId, state, ...stored }]);
    const value =
      child.ref === undefined
        ? decode(child.value ?? { $weir: "undefined" })
        : await exec.loadValue(stored);
    exec.noteProduced(value, stepId);
    return { ok: true, value, at, state };
  }
  const error =
    child.error === undefined
      ? new Error(`Subflow ended in state ${child.state.name}`)
      : deserializeError(child.error);
  const state =
    child.state.type === "FAILED"
      ? Failed(at, { message: error.message })
      : { ...child.state, timestamp: at };
  await exec.append([
    {
      type: "step.failed",
      at,
      stepId,
      state,
      error: child.error ?? { name: error.name, message: error.message },
      attempt,
    },
  ]);
  return { ok: false, error, at, state };
}
