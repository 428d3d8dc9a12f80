/**
 * A run's journal turned into the JSON the API answers with: the run, its state history, its
 * parameters and result (or a reference to it), its task runs, subflow runs and waits, and
 * the graph the UI draws.
 *
 * @module
 */

import type { ResultLocation } from "../protocol/run.ts";
import {
  isFinal,
  type JournalEntry,
  type SerializedError,
  type StepView,
  serializeError,
  viewOf,
} from "../runtime/host.ts";
import type { GraphEdge, RunDetail, RunGraph, StepDetail } from "./api/run_json.ts";
import type { RunSummary } from "./storage/outbox.ts";

export type { GraphEdge, GraphNode, RunDetail, RunGraph, StepDetail } from "./api/run_json.ts";

/**
 * Builds a run's detail from its journal.
 *
 * @example
 * ```ts
 * const detail = runDetail(journal.read(runId));
 * ```
 * @throws {RangeError} when the journal is empty.
 */
export function runDetail(
  entries: readonly JournalEntry[],
  origin: { deploymentId?: string | undefined; scheduleId?: string | undefined } = {},
): RunDetail {
  // The runtime's view is the one reading of a journal; this only makes it JSON (nulls for
  // absent fields, errors as serialized data, step results left to the run's own result).
  const view = viewOf("", entries, { stepResults: false });
  const steps: StepDetail[] = view.steps.map((step) => ({
    id: step.id,
    kind: step.kind,
    name: step.name,
    runName: step.runName,
    state: step.state,
    stateHistory: step.stateHistory,
    attempts: step.attempts,
    startedAt: step.startedAt,
    endedAt: step.endedAt ?? null,
    cached: step.cached,
    childRunId: step.childRunId ?? null,
    parentStepId: step.parentStepId ?? null,
    inputs: step.inputs,
    tags: step.tags,
    resultLocation: resultLocation(step),
    error: step.error === undefined ? null : publicError(step.error),
  }));
  return {
    id: view.id,
    flowName: view.flowName,
    flowVersion: view.flowVersion ?? null,
    name: view.name,
    parentRunId: view.parentRunId ?? null,
    parentStepId: view.parentStepId ?? null,
    deploymentId: origin.deploymentId ?? null,
    scheduleId: origin.scheduleId ?? null,
    tags: view.tags,
    parameters: view.parameters,
    state: view.state ?? null,
    stateHistory: view.stateHistory,
    retries: view.retries,
    result: view.result ?? null,
    resultRef: view.resultRef ?? null,
    error: view.error === undefined ? null : publicError(view.error),
    taskRuns: steps.filter((s) => s.kind === "task"),
    subflowRuns: steps.filter((s) => s.kind === "subflow"),
    steps,
  };
}

/**
 * An error as the API shows it: name, message, data and causes, without stacks, which name
 * the server's files (the run's logs keep the stack of each failure).
 *
 * @example
 * ```ts
 * publicError(new Error("boom")); // { name: "Error", message: "boom" }
 * ```
 */
export function publicError(error: Error): SerializedError {
  const strip = (data: SerializedError): SerializedError => {
    const { stack: _stack, cause, ...rest } = data;
    if (cause === undefined) return rest;
    return { ...rest, cause: "name" in cause ? strip(cause) : cause };
  };
  return strip(serializeError(error));
}

/**
 * Where a completed step's result is kept: its journal entry, or the results bucket.
 *
 * @example
 * ```ts
 * resultLocation(view.taskRuns[0]); // { storage: "r2", bucket: "RESULTS", key: "iris/.../split-data_output" }
 * ```
 */
export function resultLocation(step: StepView): ResultLocation | null {
  if (step.resultRef !== undefined) {
    return { storage: "r2", bucket: "RESULTS", key: step.resultRef.key };
  }
  if (step.state.type !== "COMPLETED" || (step.kind !== "task" && step.kind !== "subflow")) {
    return null;
  }
  return { storage: "inline" };
}

/** A {@link RunSummary} that {@link foldSummary} updates in place. */
export type RunSummaryDraft = { -readonly [K in keyof RunSummary]: RunSummary[K] };

/**
 * The run's row for the D1 index, folded from journal entries: from the whole journal, or from
 * the summary taken before and the entries appended since, updated in place (a new summary when
 * the entries start the run). The run object keeps its summary up to date this way instead of
 * reading its whole journal at every state change.
 *
 * @example
 * ```ts
 * let summary = foldSummary(undefined, journal.read(runId), meta);
 * summary = foldSummary(summary, appended, meta);
 * ```
 * @throws {RangeError} when there is no summary and the entries hold no `run.created`.
 */
export function foldSummary(
  summary: RunSummaryDraft | undefined,
  entries: readonly JournalEntry[],
  meta: { idempotencyKey: string | null; deploymentId: string | null; scheduleId?: string | null },
): RunSummaryDraft {
  let draft = summary;
  for (const entry of entries) {
    if (entry.type === "run.created") {
      const info = entry.run;
      draft = {
        id: info.id,
        flowName: info.flowName,
        name: info.name,
        deploymentId: meta.deploymentId,
        scheduleId: meta.scheduleId ?? null,
        parentRunId: info.parentRunId ?? null,
        stateType: "PENDING",
        stateName: "Pending",
        tags: info.tags,
        idempotencyKey: meta.idempotencyKey,
        createdAt: entry.at,
        updatedAt: entry.at,
        scheduledAt: info.scheduledAt ?? null,
        startedAt: null,
        endedAt: null,
        version: 0,
      };
    }
    if (draft === undefined) throw new RangeError("This run's journal has no run.created");
    draft.updatedAt = entry.at;
    draft.version++;
    if (entry.type === "run.state") {
      const state = entry.state;
      draft.stateType = state.type;
      draft.stateName = state.name;
      if (draft.startedAt === null && state.type === "RUNNING") draft.startedAt = state.timestamp;
      draft.endedAt = isFinal(state) ? state.timestamp : null;
    }
  }
  if (draft === undefined) throw new RangeError("This run's journal is empty");
  return draft;
}

/**
 * The run graph: steps as nodes; edges where one step's result was passed to another, and
 * from each group to its members.
 *
 * @example
 * ```ts
 * const { nodes, edges } = runGraph(runDetail(entries));
 * ```
 */
export function runGraph(detail: RunDetail): RunGraph {
  const nodes = detail.steps.map((step) => ({
    id: step.id,
    kind: step.kind,
    label: step.runName,
    state: step.state,
    startedAt: step.startedAt,
    endedAt: step.endedAt,
    childRunId: step.childRunId,
  }));
  const edges: GraphEdge[] = [];
  for (const step of detail.steps) {
    for (const input of step.inputs) edges.push({ from: input, to: step.id, kind: "data" });
    if (step.parentStepId !== null)
      edges.push({ from: step.parentStepId, to: step.id, kind: "contains" });
  }
  return { nodes, edges };
}
