/**
 * A flow's graph before any run (Prefect's `flow.visualize()`): the server draws the steps its
 * body would take with the schema's defaults, and this shows them with the run graph's
 * layout, in a neutral colour and with the order in which they would run.
 *
 * @module
 */

import { api } from "../api/client.ts";
import type { FlowGraph, RunGraph } from "../api/types.ts";
import { ErrorBox, Loading } from "../components/common.tsx";
import { useAsync } from "../components/use_async.ts";
import { RunGraphView } from "../run/run_graph.tsx";

const PLANNED = { type: "PENDING", name: "Planned", timestamp: 0 } as const;

/**
 * A drawn flow graph in the run graph's shape: every step Planned, no times, no runs.
 *
 * @example
 * ```ts
 * const graph = asRunGraph(await api.flowGraph("main-flow"));
 * ```
 */
export function asRunGraph(graph: FlowGraph): RunGraph {
  // A subflow is a box of its own, as in a run's graph (its steps are its own run's); the
  // drawing's steps inside subflows (ids with a "/") are left to `weir flow visualize`.
  const shown = graph.nodes.filter((node) => !node.id.includes("/"));
  const ids = new Set(shown.map((node) => node.id));
  return {
    nodes: shown.map((node) => ({
      id: node.id,
      kind: node.kind as RunGraph["nodes"][number]["kind"],
      label: node.label,
      state: PLANNED as unknown as RunGraph["nodes"][number]["state"],
      startedAt: 0,
      endedAt: null,
      childRunId: null,
    })),
    edges: graph.edges
      .filter((edge) => ids.has(edge.from) && ids.has(edge.to))
      .map((edge) => ({
        from: edge.from,
        to: edge.to,
        kind: edge.kind as RunGraph["edges"][number]["kind"],
      })),
  };
}

/**
 * The graph card's content for a flow.
 *
 * @example
 * ```tsx
 * <FlowGraphPreview name="main-flow" />
 * ```
 */
export function FlowGraphPreview(props: { name: string }) {
  const graph = useAsync(() => api.flowGraph(props.name), [props.name]);
  if (graph.error !== undefined) return <ErrorBox error={graph.error} />;
  if (graph.data === undefined) return <Loading what="the flow's graph" />;
  return (
    <div class="flow-graph">
      <RunGraphView graph={asRunGraph(graph.data)} now={0} planned />
      {graph.data.truncated !== null && (
        <p class="muted small" role="note">
          The drawing stops here: {graph.data.truncated}
        </p>
      )}
    </div>
  );
}
