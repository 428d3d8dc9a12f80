/**
 * The run graph as SVG: steps as boxes coloured by state (laid out by dagre, see
 * lib/graph_layout.ts), data edges solid, group members dashed, "ran after" dotted. A subflow's
 * box links to its own run.
 *
 * @module
 */

import { useMemo } from "preact/hooks";
import type { RunGraph } from "../api/types.ts";
import { formatDuration, stateColor } from "../lib/format.ts";
import { edgePath, layoutGraph } from "../lib/graph_layout.ts";
import { paths } from "../lib/routes.ts";

const KIND_ICON: Record<string, string> = {
  task: "task",
  subflow: "subflow",
  sleep: "sleep",
  event: "event",
  group: "group",
};

function truncate(text: string, width: number): string {
  const max = Math.max(6, Math.floor((width - 44) / 7.4));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The graph.
 *
 * @example
 * ```tsx
 * <RunGraphView graph={live.graph} now={now} />
 * ```
 */
export function RunGraphView(props: { graph: RunGraph; now: number; planned?: boolean }) {
  const layout = useMemo(() => layoutGraph(props.graph), [props.graph]);
  if (props.graph.nodes.length === 0) {
    return <p class="empty">No steps yet: the graph grows as the flow runs its tasks.</p>;
  }
  return (
    <div class="graph-scroll">
      <svg
        class="graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`Run graph: ${props.graph.nodes.length} steps`}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#8c93a3" />
          </marker>
        </defs>
        {layout.edges.map((edge) => (
          <path
            key={`${edge.kind}:${edge.from}->${edge.to}`}
            class={`graph-edge edge-${edge.kind}`}
            d={edgePath(edge.points)}
            marker-end={edge.kind === "data" ? "url(#arrow)" : undefined}
          />
        ))}
        {layout.nodes.map(({ node, x, y, width, height }) => {
          const color = stateColor(node.state.type);
          const ms = (node.endedAt ?? props.now) - node.startedAt;
          const body = (
            <g
              key={node.id}
              class="graph-node"
              transform={`translate(${x},${y})`}
              data-node={node.id}
              data-state={node.state.type}
            >
              <title>
                {props.planned
                  ? `${node.label} (${node.kind})`
                  : `${node.label} (${node.kind}): ${node.state.name}, ${formatDuration(ms)}${node.state.message === undefined ? "" : ` — ${node.state.message}`}`}
              </title>
              <rect width={width} height={height} rx="8" class="graph-node-box" />
              <rect width="6" height={height} rx="3" fill={color} />
              <circle cx={width - 14} cy={14} r={5} fill={color} />
              <text x="16" y="18" class="graph-node-label">
                {truncate(node.label, width)}
              </text>
              <text x="16" y="34" class="graph-node-meta">
                {props.planned
                  ? (KIND_ICON[node.kind] ?? node.kind)
                  : `${KIND_ICON[node.kind] ?? node.kind} · ${node.state.name} · ${formatDuration(ms)}`}
              </text>
            </g>
          );
          return node.childRunId === null ? (
            body
          ) : (
            <a key={node.id} href={paths.run(node.childRunId)} class="graph-link">
              {body}
            </a>
          );
        })}
      </svg>
      <p class="graph-legend muted small">
        <span class="legend-edge edge-data" /> data passed{" "}
        <span class="legend-edge edge-contains" /> in a group{" "}
        <span class="legend-edge edge-after" />{" "}
        {props.planned ? "runs after" : "ran after · click a subflow to open its run"}
      </p>
    </div>
  );
}
