/**
 * The JSON the API answers with (see GET /api/openapi.json, protocol/, where the
 * Worker's types live too). State, journal and error shapes come from the runtime itself, which
 * has no platform imports, so the UI and the engine cannot drift apart on them.
 *
 * @module
 */

import type { SerializedError } from "../../../runtime/errors.ts";
import type { JournalEntry, ResultRef, StepKind } from "../../../runtime/journal.ts";
import type { LogLevelName } from "../../../runtime/logs.ts";
import type { State, StateType } from "../../../runtime/states.ts";

export type {
  CollisionStrategy,
  ConcurrencyLimit,
  ConcurrencyLimitList,
  LimitHolder,
  LimitWaiter,
} from "../../../protocol/concurrency.ts";
export type {
  CatchUpPolicy,
  Deployment,
  DeploymentList,
  DeploymentSchedule,
  SchedulePreview,
  ScheduleSpec,
} from "../../../protocol/deployment.ts";
export type { ApiErrorBody } from "../../../protocol/error.ts";
export type { Flow, JsonSchema } from "../../../protocol/flow.ts";
export type { FlowGraph } from "../../../protocol/flow_graph.ts";
export type { GraphEdge, GraphNode, RunGraph } from "../../../protocol/graph.ts";
export type { LiveMessage } from "../../../protocol/live_message.ts";
export type { LogLine, LogPage } from "../../../protocol/log.ts";
export type { RunDetail, RunPage, RunSummary, StepDetail } from "../../../protocol/run.ts";
export type { JournalEntry, LogLevelName, ResultRef, SerializedError, State, StateType, StepKind };
