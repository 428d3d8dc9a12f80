/**
 * Runs a deployment step (`runDeployment`, `startDeployment`): asks the host to start the
 * deployment's run as a child, journals the step with the child's id (a subflow step, so the
 * run graph, the run pages and cancellation treat the child as they treat a subflow), and
 * then either completes at once with the child's id or waits for the child's outcome.
 *
 * The child's id derives from the parent run, the step and its attempt, and the host's start
 * is idempotent by it: a replay after the process died between starting the child and
 * journaling the step asks again and finds the same run. Once the step is journaled, a replay
 * only asks how the child stands. A wait holds nothing: in "suspend" mode the run suspends
 * until the child's end wakes it (or the timeout's deadline, journaled as the step's
 * `wakeAt`); in "wait" mode the engine asks again every few seconds, as Prefect polls.
 *
 * @module
 */

import { encode } from "../codec.ts";
import { formatMillis } from "../duration.ts";
import { serializeError, TimeoutError } from "../errors.ts";
import { deploymentChildRunId, parseDeploymentRef } from "../run_deployment.ts";
import { Completed, Running, TimedOut } from "../states.ts";
import type { StepSpec } from "../step.ts";
import { cancelStep } from "./cancel_step.ts";
import type { Execution, Outcome } from "./execution.ts";
import type { ChildRunOutcome, DeploymentRunRequest } from "./host.ts";
import type { StepRecord } from "./run_record.ts";
import { finishChildStep } from "./run_subflow.ts";

/** How often a "wait"-mode host asks how the child stands (Prefect's `poll_interval`). */
const POLL_MS = 5_000;

/**
 * Runs a deployment step to its outcome (or suspends the parent while the child runs).
 *
 * @example
 * ```ts
 * const outcome = await runDeploymentStep(execution, "1", spec, undefined, "train", execution.signal);
 * ```
 */
export async function runDeploymentStep(
  exec: Execution,
  stepId: string,
  spec: Extract<StepSpec, { type: "deployment" }>,
  rec: StepRecord | undefined,
  runName: string,
  signal: AbortSignal,
): Promise<Outcome> {
  // A step that was never journaled, or whose failed attempt a run retry cleared, starts a child.
  const starting = rec?.childRunId === undefined;
  const attempt = starting ? (rec?.attempt ?? 0) + 1 : (rec?.attempt ?? 1);
  const runId = rec?.childRunId ?? deploymentChildRunId(exec.runId, stepId, attempt);
  const { flowName, deploymentName } = parseDeploymentRef(spec.ref);
  const request: DeploymentRunRequest = {
    ref: spec.ref,
    flowName,
    deploymentName,
    runId,
    params: spec.params,
    parentRunId: exec.runId,
    parentStepId: stepId,
    wait: spec.wait,
    signal,
    ...(spec.name === undefined ? {} : { name: spec.name }),
    ...(spec.tags === undefined ? {} : { tags: spec.tags }),
  };
  let deadline = rec?.wakeAt;
  let child: ChildRunOutcome;
  if (starting) {
    const at = exec.now();
    deadline = spec.wait && spec.timeoutMs !== undefined ? at + spec.timeoutMs : undefined;
    const started = {
      type: "step.started" as const,
      at,
      stepId,
      kind: "subflow" as const,
      name: spec.ref,
      runName,
      attempt,
      state: Running(at),
      childRunId: runId,
      ...(deadline === undefined ? {} : { wakeAt: deadline }),
      ...(spec.tags === undefined ? {} : { tags: spec.tags }),
    };
    // Journaled once the child exists, so a journaled step always has its child: a replay
    // then only asks how it stands, and never needs the deployment (renamed or deleted since).
    const asked = await ask(exec, () => exec.host.deployments.start(request, exec.host));
    if (!asked.ok) {
      // No child to link to: the step is journaled without one, and fails.
      const { childRunId: _none, ...withoutChild } = started;
      await exec.append([withoutChild]);
      return cancelStep(exec, stepId, asked.error, attempt);
    }
    await exec.append([started]);
    child = asked.child;
  } else if (spec.wait) {
    const asked = await ask(exec, () => exec.host.deployments.status(request, exec.host));
    if (!asked.ok) return cancelStep(exec, stepId, asked.error, attempt);
    child = asked.child;
  } else {
    // Started and journaled, but the completion was not: the child exists, so complete.
    child = { status: "suspended" };
  }
  if (!spec.wait) {
    const at = exec.now();
    const state = Completed(at);
    const value = { runId };
    await exec.append([{ type: "step.completed", at, stepId, state, value: encode(value) }]);
    exec.noteProduced(value, stepId);
    return { ok: true, value, at, state };
  }
  for (;;) {
    if (child.status === "finished") return finishChildStep(exec, stepId, child, attempt);
    const now = exec.now();
    if (deadline !== undefined && now >= deadline) {
      return timedOut(exec, stepId, spec, runId, deadline, attempt);
    }
    try {
      if (exec.host.mode === "suspend") {
        // The child's end wakes this run (the host's child-finished notice), or the deadline.
        const wakeAt = earliest(deadline, child.wakeAt);
        await exec.activity.block(new Promise<never>(() => {}), signal, wakeAt);
      }
      await exec.activity.until(earliest(deadline, now + POLL_MS) as number, signal);
    } catch (error) {
      return cancelStep(exec, stepId, error, attempt);
    }
    const asked = await ask(exec, () => exec.host.deployments.status(request, exec.host));
    if (!asked.ok) return cancelStep(exec, stepId, asked.error, attempt);
    child = asked.child;
  }
}

/** Calls the host as active work, so a suspending execution does not stop mid-call. */
async function ask(
  exec: Execution,
  call: () => Promise<ChildRunOutcome>,
): Promise<{ ok: true; child: ChildRunOutcome } | { ok: false; error: unknown }> {
  exec.activity.enter();
  try {
    return { ok: true, child: await call() };
  } catch (error) {
    return { ok: false, error };
  } finally {
    exec.activity.leave();
  }
}

async function timedOut(
  exec: Execution,
  stepId: string,
  spec: Extract<StepSpec, { type: "deployment" }>,
  runId: string,
  deadline: number,
  attempt: number,
): Promise<Outcome> {
  const waited = spec.timeoutMs === undefined ? "" : ` ${formatMillis(spec.timeoutMs)}`;
  const error = new TimeoutError(
    `Waited${waited} for run '${runId}' of deployment '${spec.ref}' (until ${new Date(deadline).toISOString()}); it has not finished. It keeps running: its result is on its own page`,
  );
  const at = exec.now();
  const state = TimedOut(at, { message: error.message });
  await exec.append([
    { type: "step.failed", at, stepId, state, error: serializeError(error), attempt },
  ]);
  return { ok: false, error, at, state };
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
