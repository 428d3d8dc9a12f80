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
import type { LogLine } from "../../../worker/api/run_json.ts";

export type {
  GraphEdge,
  GraphNode,
  LiveMessage,
  LogLine,
  RunDetail,
  RunGraph,
  StepDetail,
} from "../../../worker/api/run_json.ts";
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

/** GET /api/runs/{id}/logs. */
export interface LogPage {
  readonly logs: readonly LogLine[];
  readonly nextCursor: number;
}

/** The API's error body. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}
