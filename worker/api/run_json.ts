/**
 * The shapes of the run JSON the API answers with (run detail, graph, log lines, live-feed
 * messages). Types only, built from the runtime's own types and free of Worker types, so the
 * Worker that produces them and the UI that reads them share one definition.
 *
 * @module
 */

import type {
  JournalEntry,
  LogRecord,
  ResultRef,
  SerializedError,
  State,
  StepKind,
} from "../../runtime/mod.ts";

/** A step of a run, as JSON: a task run, a subflow run, a sleep, an event wait or a group. */
export interface StepDetail {
  readonly id: string;
  readonly kind: StepKind;
  readonly name: string;
  readonly runName: string;
  readonly state: State;
  readonly stateHistory: readonly State[];
  readonly attempts: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly cached: boolean;
  readonly childRunId: string | null;
  readonly parentStepId: string | null;
  readonly inputs: readonly string[];
  readonly tags: readonly string[];
  readonly error: SerializedError | null;
}

/** A run, as JSON (GET /api/runs/{id}). */
export interface RunDetail {
  readonly id: string;
  readonly flowName: string;
  readonly name: string;
  readonly parentRunId: string | null;
  readonly parentStepId: string | null;
  readonly tags: readonly string[];
  readonly parameters: unknown;
  readonly state: State | null;
  readonly stateHistory: readonly State[];
  readonly retries: number;
  readonly result: unknown;
  readonly resultRef: ResultRef | null;
  readonly error: SerializedError | null;
  readonly taskRuns: readonly StepDetail[];
  readonly subflowRuns: readonly StepDetail[];
  readonly steps: readonly StepDetail[];
}

/** A node of the run graph. */
export interface GraphNode {
  readonly id: string;
  readonly kind: StepKind;
  readonly label: string;
  readonly state: State;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly childRunId: string | null;
}

/** An edge of the run graph: data flowing from one step to another, or a group to its member. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: "data" | "contains";
}

/** The run graph (GET /api/runs/{id}/graph). */
export interface RunGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** A stored log line with its cursor (GET /api/runs/{id}/logs and the live feed). */
export interface LogLine extends LogRecord {
  /** Pass as `after` to read the lines that follow. */
  readonly cursor: number;
}

/** A message of the live feed (GET /api/runs/{id}/live). */
export type LiveMessage =
  | { readonly type: "snapshot"; readonly run: RunDetail | null }
  | { readonly type: "journal"; readonly runId: string; readonly entries: readonly JournalEntry[] }
  | { readonly type: "log"; readonly log: LogLine };
