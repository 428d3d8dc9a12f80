/**
 * The run graph (GET /api/runs/{id}/graph): steps as nodes, data and grouping as edges.
 *
 * @module
 */

import type { StepKind } from "../runtime/journal.ts";
import type { State } from "../runtime/states.ts";

/**
 * A node of the run graph.
 *
 * @example
 * ```ts
 * for (const node of graph.nodes) console.log(node.label, node.state.name);
 * ```
 */
export interface GraphNode {
  readonly id: string;
  readonly kind: StepKind;
  readonly label: string;
  readonly state: State;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly childRunId: string | null;
}

/**
 * An edge of the run graph: data flowing from one step to another, or a group to its member.
 *
 * @example
 * ```ts
 * const data = graph.edges.filter((e: GraphEdge) => e.kind === "data");
 * ```
 */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: "data" | "contains";
}

/**
 * The run graph (GET /api/runs/{id}/graph).
 *
 * @example
 * ```ts
 * const graph: RunGraph = await client.getGraph(runId);
 * ```
 */
export interface RunGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}
