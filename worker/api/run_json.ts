/**
 * The shapes of the run JSON the API answers with now live in protocol/ (shared with the UI,
 * the client and the CLI); this module re-exports them for the Worker's importers.
 *
 * @module
 */

export type { GraphEdge, GraphNode, RunGraph } from "../../protocol/graph.ts";
export type { LiveMessage } from "../../protocol/live_message.ts";
export type { LogLine } from "../../protocol/log.ts";
export type { RunDetail, StepDetail } from "../../protocol/run.ts";
