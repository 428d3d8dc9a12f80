/**
 * The JSON the API answers with (see GET /api/openapi.json, worker/api/schemas.ts and
 * worker/run_detail.ts). State, journal and error shapes come from the runtime itself, which
 * has no platform imports, so the UI and the engine cannot drift apart on them.
 *
 * @module
 */

import type { SerializedError } from "../../../runtime/errors.ts";
import type { JournalEntry, ResultRef, StepKind } from "../../../runtime/journal.ts";
import type { LogLevelName } from "../../../runtime/logs.ts";
import type { State, StateType } from "../../../runtime/states.ts";

export type { JournalEntry, LogLevelName, ResultRef, SerializedError, State, StateType, StepKind };

/** A JSON Schema, as loose as the API gives it (flows may use any schema library). */
export type JsonSchema = { readonly [key: string]: unknown };

/** GET /api/flows/{name}. */
export interface Flow {
  readonly name: string;
  readonly description: string | null;
  readonly version: string | null;
  readonly tags: readonly string[];
  readonly retries: number;
  readonly parametersSchema: JsonSchema | null;
}

/** A run as the index lists it (GET /api/runs). */
export interface RunSummary {
  readonly id: string;
  readonly flowName: string;
  readonly name: string;
  readonly deploymentId: string | null;
  readonly parentRunId: string | null;
  readonly state: { readonly type: StateType; readonly name: string };
  readonly tags: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly scheduledAt: number | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

/** GET /api/runs. */
export interface RunPage {
  readonly runs: readonly RunSummary[];
  readonly count: number;
  readonly nextCursor: string | null;
}

/** A step of a run: a task run, a subflow run, a sleep, an event wait or a group. */
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

/** GET /api/runs/{id}. */
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

/** A log line (GET /api/runs/{id}/logs and the live feed). */
export interface LogLine {
  readonly cursor: number;
  readonly runId: string;
  readonly stepId?: string;
  readonly level: LogLevelName;
  readonly source: string;
  readonly message: string;
  readonly timestamp: number;
}

/** GET /api/runs/{id}/logs. */
export interface LogPage {
  readonly logs: readonly LogLine[];
  readonly nextCursor: number;
}

/** A node of GET /api/runs/{id}/graph. */
export interface GraphNode {
  readonly id: string;
  readonly kind: StepKind;
  readonly label: string;
  readonly state: State;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly childRunId: string | null;
}

/** An edge of the run graph: data passed between steps, or a group containing a step. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: "data" | "contains" | string;
}

/** GET /api/runs/{id}/graph. */
export interface RunGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** A message of the live feed (GET /api/runs/{id}/live). */
export type LiveMessage =
  | { readonly type: "snapshot"; readonly run: RunDetail | null }
  | { readonly type: "journal"; readonly runId: string; readonly entries: readonly JournalEntry[] }
  | { readonly type: "log"; readonly log: LogLine };

/** The API's error body. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}
