/**
 * A run as people (and the API) want to see it, read from its journal: the run's state and
 * state history, its parameters and result, and its task runs, subflow runs and waits with
 * their states, attempts, times and cache hits.
 *
 * @module
 */

import { decode } from "./codec.ts";
import { foldJournal } from "./engine/run_record.ts";
import { deserializeError } from "./errors.ts";
import type { Journal, JournalEntry, ResultRef, StepKind } from "./journal.ts";
import type { State } from "./states.ts";

/** One step of a run, for display. */
export interface StepView {
  readonly id: string;
  readonly kind: StepKind;
  /** Task or flow name, event name, "sleep", or group mode. */
  readonly name: string;
  /** Task run name, e.g. "fetch-fact-0". */
  readonly runName: string;
  readonly state: State;
  readonly stateHistory: readonly State[];
  /** Attempts made (1 when it never retried). */
  readonly attempts: number;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly cached: boolean;
  readonly childRunId?: string;
  readonly parentStepId?: string;
  readonly inputs: readonly string[];
  readonly tags: readonly string[];
  readonly result?: unknown;
  readonly resultRef?: ResultRef;
  readonly error?: Error;
}

/** A run, for display. */
export interface RunView {
  readonly id: string;
  readonly flowName: string;
  /** The flow's `version` option when the run was created, if it had one. */
  readonly flowVersion?: string;
  readonly name: string;
  readonly parameters: unknown;
  readonly tags: readonly string[];
  readonly parentRunId?: string;
  /** The parent's step that started this run, for subflow runs. */
  readonly parentStepId?: string;
  readonly state?: State;
  readonly stateHistory: readonly State[];
  readonly retries: number;
  readonly result?: unknown;
  readonly resultRef?: ResultRef;
  readonly error?: Error;
  readonly steps: readonly StepView[];
  /** Task runs only (no waits or groups), in start order. */
  readonly taskRuns: readonly StepView[];
}

/**
 * Reads a run's journal into a {@link RunView}.
 *
 * @example
 * ```ts
 * const view = await inspectRun(journal, handle.runId);
 * view.taskRuns.map((t) => `${t.runName}: ${t.state.name}`); // ["fetch-fact-0: Completed"]
 * ```
 * @throws {RangeError} when the journal has no such run.
 */
export async function inspectRun(journal: Journal, runId: string): Promise<RunView> {
  return viewOf(runId, await journal.read(runId));
}

/**
 * Folds entries into a {@link RunView} (for hosts that already hold them). With
 * `stepResults: false`, steps' results are not decoded (the run's own result still is).
 *
 * @example
 * ```ts
 * viewOf("r1", entries).state?.type; // "COMPLETED"
 * ```
 */
export function viewOf(
  runId: string,
  entries: readonly JournalEntry[],
  options: { readonly stepResults?: boolean } = {},
): RunView {
  const withResults = options.stepResults ?? true;
  const record = foldJournal(entries);
  const info = record.info;
  if (info === undefined)
    throw new RangeError(`Cannot inspect run '${runId}': its journal is empty`);
  const steps: StepView[] = [...record.steps.values()].map((step) => {
    const dot = step.stepId.lastIndexOf(".");
    const outcome = step.outcome;
    return {
      id: step.stepId,
      kind: step.kind,
      name: step.name,
      runName: step.runName,
      state: step.state,
      stateHistory: step.states,
      attempts: step.attempt,
      startedAt: step.startedAt,
      ...(step.endedAt === undefined ? {} : { endedAt: step.endedAt }),
      cached: step.cached,
      ...(step.childRunId === undefined ? {} : { childRunId: step.childRunId }),
      ...(dot === -1 ? {} : { parentStepId: step.stepId.slice(0, dot) }),
      inputs: step.inputs,
      tags: step.tags,
      ...(withResults && outcome?.ok && outcome.value !== undefined
        ? { result: decode(outcome.value) }
        : {}),
      ...(outcome?.ok && outcome.ref !== undefined ? { resultRef: outcome.ref } : {}),
      ...(outcome !== undefined && !outcome.ok ? { error: deserializeError(outcome.error) } : {}),
    };
  });
  const finished = record.finished;
  return {
    id: info.id,
    flowName: info.flowName,
    ...(info.flowVersion === undefined ? {} : { flowVersion: info.flowVersion }),
    name: info.name,
    parameters: decode(info.parameters),
    tags: info.tags,
    ...(info.parentRunId === undefined ? {} : { parentRunId: info.parentRunId }),
    ...(info.parentStepId === undefined ? {} : { parentStepId: info.parentStepId }),
    ...(record.state === undefined ? {} : { state: record.state }),
    stateHistory: record.states,
    retries: record.retries,
    ...(finished?.value !== undefined ? { result: decode(finished.value) } : {}),
    ...(finished?.ref !== undefined ? { resultRef: finished.ref } : {}),
    ...(finished?.error !== undefined ? { error: deserializeError(finished.error) } : {}),
    steps,
    taskRuns: steps.filter((s) => s.kind === "task"),
  };
}
