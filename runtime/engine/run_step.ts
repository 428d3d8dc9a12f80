/**
 * Runs one step: checks it against the journal (replaying a journaled outcome, or failing on
 * non-determinism), then dispatches on its type. Preparation (naming task runs, checking the
 * journal) is synchronous and happens in the order the flow yields steps, so names and ids are
 * the same on every replay however the steps' work interleaves.
 *
 * @module
 */

import type { Encoded } from "../codec.ts";
import {
  CancelledError,
  NonDeterminismError,
  serializeError,
  TimeoutError,
  UsageError,
} from "../errors.ts";
import type { JournalEntry, StepKind } from "../journal.ts";
import { formatTemplate } from "../run_names.ts";
import { Completed, Failed, Paused, Running, Scheduled, TimedOut } from "../states.ts";
import { type Step, StepHandle, type StepSpec } from "../step.ts";
import { cancelStep } from "./cancel_step.ts";
import type { Execution, Outcome } from "./execution.ts";
import { runDeploymentStep } from "./run_deployment_step.ts";
import { isPlainTask, runPlainTask } from "./run_plain_task.ts";
import type { StepRecord } from "./run_record.ts";
import { runSlotStep, slotStepName } from "./run_slot_step.ts";
import { runSubflow } from "./run_subflow.ts";
import { runTask } from "./run_task.ts";
import { taskTags } from "./task_slots.ts";

/** A step checked against the journal and ready to run. */
export type PreparedStep = () => Promise<Outcome>;

const KIND_OF = {
  task: "task",
  subflow: "subflow",
  // A deployment's run is a child run like a subflow's: graphs, pages and cancellation agree.
  deployment: "subflow",
  sleep: "sleep",
  event: "event",
  group: "group",
  slot: "slot",
} as const satisfies Record<StepSpec["type"], StepKind>;

function nameOf(spec: StepSpec): string {
  switch (spec.type) {
    case "task":
      return spec.task.taskName;
    case "subflow":
      return spec.flow.flowName;
    case "deployment":
      return spec.ref;
    case "sleep":
      return "sleep";
    case "event":
      return spec.name;
    case "group":
      return spec.mode;
    case "slot":
      return slotStepName(spec);
  }
}

/**
 * Prepares a step synchronously; calling the result runs it. A group's children get the
 * group's `scope`, a signal that already follows the execution's signal.
 *
 * @example
 * ```ts
 * const outcome = await prepareStep(execution, "0", fetchFact(url))();
 * ```
 */
export function prepareStep(
  exec: Execution,
  stepId: string,
  step: Step<unknown>,
  scope?: AbortSignal,
): PreparedStep {
  const spec = step.spec;
  const kind = KIND_OF[spec.type];
  const name = nameOf(spec);
  const rec = exec.record.steps.get(stepId);
  const runName = stepRunName(exec, stepId, spec);
  if (rec !== undefined && (rec.kind !== kind || rec.name !== name)) {
    const error = new NonDeterminismError(
      `Replay of run '${exec.runId}' diverged at step ${stepId}: the journal holds ${rec.kind} '${rec.name}' but the flow now yields ${kind} '${name}'. ` +
        "Flow code must yield the same steps in the same order on every replay (take time and randomness from ctx).",
    );
    return () =>
      Promise.resolve(exec.failure(error, Failed(exec.now(), { message: error.message }), true));
  }
  // The scope follows exec.signal already (see prepareGroup): an AbortSignal.any of the two per
  // child would abort with the same reason at the same moment, and cost a signal and weak
  // references per child (microseconds each in Node).
  const signal = scope ?? exec.signal;
  if (spec.type === "group") return prepareGroup(exec, stepId, spec, rec, runName, signal);
  if (rec?.outcome !== undefined) {
    const stored = rec.outcome;
    return () => exec.outcomeOf(stored, rec.state);
  }
  switch (spec.type) {
    case "task":
      if (
        rec === undefined &&
        isPlainTask(spec.task, exec.flow) &&
        taskTags(exec, spec.task).length === 0
      )
        return () => runPlainTask(exec, stepId, spec, runName, signal);
      return () => runTask(exec, stepId, spec, rec, runName, signal);
    case "subflow":
      return () => runSubflow(exec, stepId, spec, rec, runName, signal);
    case "deployment":
      return () => runDeploymentStep(exec, stepId, spec, rec, runName, signal);
    case "sleep":
      return () => runSleep(exec, stepId, spec, rec, signal);
    case "event":
      return () => runEvent(exec, stepId, spec, rec, signal);
    case "slot":
      return () => runSlotStep(exec, stepId, spec, rec, runName, signal);
  }
}

function stepRunName(exec: Execution, stepId: string, spec: StepSpec): string {
  switch (spec.type) {
    case "task": {
      const counted = exec.nextTaskRunName(spec.task.taskName);
      const template = spec.task.options.runName;
      if (template === undefined) return counted;
      try {
        if (typeof template === "function") return String(template(...spec.args));
        const first = spec.args[0];
        const values =
          spec.args.length === 1 && typeof first === "object" && first !== null
            ? { ...spec.args, ...first }
            : { ...spec.args };
        return formatTemplate(template, values);
      } catch (error) {
        exec.engineLogger.warning(
          `Cannot name a run of task '${spec.task.taskName}': ${(error as Error).message}; using '${counted}'`,
        );
        return counted;
      }
    }
    case "subflow":
      return spec.name ?? spec.flow.flowName;
    case "deployment":
      return spec.name ?? spec.ref;
    case "sleep":
      return `sleep-${stepId}`;
    case "event":
      return `wait-for-${spec.name}`;
    case "group":
      return `${spec.mode}-${stepId}`;
    case "slot":
      return `${spec.action === "release" ? "release" : spec.action === "rate" ? "rate-limit" : "concurrency"}-${spec.limits.join("-")}-${stepId}`;
  }
}

async function runSleep(
  exec: Execution,
  stepId: string,
  spec: Extract<StepSpec, { type: "sleep" }>,
  rec: StepRecord | undefined,
  signal: AbortSignal,
): Promise<Outcome> {
  let wakeAt = rec?.wakeAt;
  if (wakeAt === undefined) {
    const now = exec.now();
    wakeAt = spec.until ?? now + (spec.ms ?? 0);
    await exec.append([
      {
        type: "step.started",
        at: now,
        stepId,
        kind: "sleep",
        name: "sleep",
        runName: `sleep-${stepId}`,
        attempt: 1,
        state: Scheduled(now, { scheduledTime: wakeAt }),
        wakeAt,
      },
    ]);
  }
  try {
    await exec.activity.until(wakeAt, signal);
  } catch (error) {
    return cancelStep(exec, stepId, error, 1);
  }
  return completeStep(exec, stepId, undefined);
}

async function runEvent(
  exec: Execution,
  stepId: string,
  spec: Extract<StepSpec, { type: "event" }>,
  rec: StepRecord | undefined,
  signal: AbortSignal,
): Promise<Outcome> {
  let deadline = rec?.wakeAt;
  if (rec === undefined) {
    const now = exec.now();
    deadline = spec.timeoutMs === undefined ? undefined : now + spec.timeoutMs;
    const started: JournalEntry = {
      type: "step.started",
      at: now,
      stepId,
      kind: "event",
      name: spec.name,
      runName: `wait-for-${spec.name}`,
      attempt: 1,
      state: Paused(now, deadline === undefined ? {} : { scheduledTime: deadline }),
      ...(deadline === undefined ? {} : { wakeAt: deadline }),
    };
    await exec.append([started]);
  }
  let event = exec.takeEvent(spec.name);
  if (event === undefined) {
    const waiting = exec.nextEvent(spec.name);
    try {
      const result = await exec.activity.blockUntil(waiting.promise, signal, deadline, "event");
      if (result.timedOut) {
        waiting.cancel();
        const error = new TimeoutError(
          `Waited for event '${spec.name}' until ${new Date(deadline ?? 0).toISOString()}; it did not arrive`,
        );
        const at = exec.now();
        const state = TimedOut(at, { message: error.message });
        await exec.append([
          { type: "step.failed", at, stepId, state, error: serializeError(error), attempt: 1 },
        ]);
        return { ok: false, error, at, state };
      }
      event = result.value;
    } catch (error) {
      waiting.cancel();
      return cancelStep(exec, stepId, error, 1);
    }
  }
  const value = exec.payloadOf(event);
  return completeStep(exec, stepId, { value: event.payload, eventId: event.eventId }, value);
}

/** Journals a step's completion and returns its outcome. */
async function completeStep(
  exec: Execution,
  stepId: string,
  stored: { value?: Encoded; eventId?: string; winner?: number } | undefined,
  value?: unknown,
): Promise<Outcome> {
  const at = exec.now();
  const state = Completed(at);
  await exec.append([{ type: "step.completed", at, stepId, state, ...stored }]);
  return { ok: true, value, at, state };
}

function prepareGroup(
  exec: Execution,
  stepId: string,
  spec: Extract<StepSpec, { type: "group" }>,
  rec: StepRecord | undefined,
  runName: string,
  signal: AbortSignal,
): PreparedStep {
  const scope = new AbortController();
  // Aborts with the group's signal (which follows exec.signal) or when a race is decided.
  const childSignal = AbortSignal.any([signal, scope.signal]);
  const children = spec.children.map((child, i): PreparedStep => {
    if (child instanceof StepHandle) {
      const promise = exec.inflight.get(child);
      if (promise !== undefined) return () => promise;
      return () =>
        Promise.resolve(
          exec.failure(
            new UsageError("A step handle passed to a group was not submitted in this run"),
            Failed(exec.now()),
          ),
        );
    }
    return prepareStep(exec, `${stepId}.${i}`, child, childSignal);
  });
  return async () => {
    const done = rec?.outcome;
    if (rec === undefined) {
      const at = exec.now();
      await exec.append([
        {
          type: "step.started",
          at,
          stepId,
          kind: "group",
          name: spec.mode,
          runName,
          attempt: 1,
          state: Running(at),
        },
      ]);
    }
    if (spec.mode === "race") {
      if (done?.ok && done.winner !== undefined) {
        const winner = children[done.winner];
        if (winner !== undefined) return winner();
      }
      if (done !== undefined && !done.ok)
        return exec.outcomeOf(done, rec?.state ?? Failed(done.at));
      const started = children.map((run, i) => run().then((outcome) => ({ outcome, i })));
      const first = await Promise.race(started);
      scope.abort(new CancelledError(`Lost the race in group ${stepId}`));
      return finishGroup(exec, stepId, first.outcome, first.i);
    }
    const outcomes = await runLimited(children, spec.concurrency);
    const fatal = outcomes.find((o) => !o.ok && o.fatal);
    if (fatal !== undefined) return fatal;
    if (spec.mode === "allSettled") {
      const value = outcomes.map((o) =>
        o.ok
          ? { status: "fulfilled" as const, value: o.value, state: o.state }
          : { status: "rejected" as const, reason: o.error, state: o.state },
      );
      if (done !== undefined)
        return { ok: true, value, at: done.at, state: rec?.state ?? Completed(done.at) };
      return finishGroup(exec, stepId, {
        ok: true,
        value,
        at: exec.now(),
        state: Completed(exec.now()),
      });
    }
    const failed = outcomes.find((o) => !o.ok);
    const outcome: Outcome = failed ?? {
      ok: true,
      value: outcomes.map((o) => (o.ok ? o.value : undefined)),
      at: exec.now(),
      state: Completed(exec.now()),
    };
    if (done !== undefined) return { ...outcome, at: done.at } as Outcome;
    return finishGroup(exec, stepId, outcome);
  };
}

async function finishGroup(
  exec: Execution,
  stepId: string,
  outcome: Outcome,
  winner?: number,
): Promise<Outcome> {
  const at = exec.now();
  if (outcome.ok) {
    const state = Completed(at);
    await exec.append([
      { type: "step.completed", at, stepId, state, ...(winner === undefined ? {} : { winner }) },
    ]);
    return { ...outcome, at, state };
  }
  const state = Failed(at, { message: outcome.error.message });
  await exec.append([
    { type: "step.failed", at, stepId, state, error: serializeError(outcome.error), attempt: 1 },
  ]);
  return { ...outcome, at, state };
}

async function runLimited(
  children: readonly PreparedStep[],
  limit: number | undefined,
): Promise<Outcome[]> {
  if (limit === undefined || limit >= children.length)
    return Promise.all(children.map((run) => run()));
  const results: Outcome[] = new Array(children.length);
  let next = 0;
  const worker = async () => {
    while (next < children.length) {
      const i = next++;
      const run = children[i];
      if (run !== undefined) results[i] = await run();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  return results;
}
