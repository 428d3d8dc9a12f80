/**
 * Lays out a run graph (GET /api/runs/{id}/graph) left to right with dagre, for the SVG in
 * run/run_graph.tsx. No DOM here: it runs (and is tested) under Node too.
 *
 * Besides the API's data and group edges, a step that takes no data from another step is put
 * after the last top-level step that had ended when it started ("ran after" edges), so steps a
 * flow ran one after another read left to right instead of stacking up as if concurrent.
 *
 * @module
 */

import dagre from "@dagrejs/dagre";
import type { GraphNode, RunGraph } from "../api/types.ts";

/** A node with its box (x, y is the top-left corner). */
export interface PlacedNode {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** How an edge is drawn: data passed, a group's member, or mere order in time. */
export type EdgeKind = "data" | "contains" | "after";

/** An edge as a polyline. */
export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** The laid-out graph. */
export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

/** Node height, and the width range labels are fitted into. */
export const NODE_HEIGHT = 44;
const MIN_WIDTH = 130;
const MAX_WIDTH = 280;
const MARGIN = 16;

/**
 * A node's width for its two lines: the label, and "kind · state · duration" (estimated from
 * their lengths rather than measured, so layout needs no DOM and gives the same result
 * everywhere; the duration is budgeted at its widest, "59m 59s").
 *
 * @example
 * ```ts
 * nodeWidth({ label: "load-data-0", kind: "task", state: { name: "Completed" } }); // 172
 * ```
 */
export function nodeWidth(
  node: Pick<GraphNode, "label" | "kind"> & { state: { name: string } },
): number {
  const label = node.label.length * 7.4 + 48;
  const meta = (node.kind.length + node.state.name.length + 13) * 6.4 + 30;
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.round(Math.max(label, meta))));
}

/**
 * The "ran after" edges: for each step that no data edge or group leads to, an edge from the
 * top-level step that ended last before it started.
 *
 * @example
 * ```ts
 * orderEdges(graph); // [{ from: "0", to: "1", kind: "after" }]
 * ```
 */
export function orderEdges(graph: RunGraph): { from: string; to: string; kind: "after" }[] {
  const led = new Set(graph.edges.map((e) => e.to));
  const contained = new Set(graph.edges.filter((e) => e.kind === "contains").map((e) => e.to));
  const topLevel = graph.nodes.filter((n) => !contained.has(n.id));
  const out: { from: string; to: string; kind: "after" }[] = [];
  for (const node of topLevel) {
    if (led.has(node.id)) continue;
    let best: GraphNode | undefined;
    for (const other of topLevel) {
      if (other.id === node.id || other.endedAt === null) continue;
      if (other.endedAt > node.startedAt) continue;
      if (best === undefined || (best.endedAt ?? 0) < other.endedAt) best = other;
    }
    if (best !== undefined) out.push({ from: best.id, to: node.id, kind: "after" });
  }
  return out;
}

/**
 * Lays the graph out left to right.
 *
 * @example
 * ```ts
 * const { width, height, nodes, edges } = layoutGraph(await getGraph(runId));
 * ```
 */
export function layoutGraph(graph: RunGraph): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 56, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set<string>();
  for (const node of graph.nodes) {
    known.add(node.id);
    g.setNode(node.id, { width: nodeWidth(node), height: NODE_HEIGHT });
  }
  const edges: { from: string; to: string; kind: EdgeKind }[] = [
    ...graph.edges
      .filter((e) => known.has(e.from) && known.has(e.to))
      .map(
        (e) =>
          ({
            from: e.from,
            to: e.to,
            // A drawn (not yet run) flow's graph brings its own "after" edges.
            kind: e.kind === "contains" || (e.kind as string) === "after" ? e.kind : "data",
          }) as { from: string; to: string; kind: EdgeKind },
      ),
    ...orderEdges(graph),
  ];
  edges.forEach((edge, i) => {
    // Order edges shape the layout less than real ones.
    g.setEdge(edge.from, edge.to, { weight: edge.kind === "after" ? 1 : 2, minlen: 1 }, String(i));
  });
  dagre.layout(g);

  const nodes: PlacedNode[] = graph.nodes.map((node) => {
    const box = g.node(node.id) as { x: number; y: number; width: number; height: number };
    return {
      node,
      x: box.x - box.width / 2,
      y: box.y - box.height / 2,
      width: box.width,
      height: box.height,
    };
  });
  const placed: PlacedEdge[] = edges.map((edge, i) => {
    const label = g.edge(edge.from, edge.to, String(i)) as { points?: { x: number; y: number }[] };
    return { ...edge, points: label.points ?? [] };
  });
  const label = g.graph() as { width?: number; height?: number };
  return {
    width: Math.ceil(label.width ?? 0),
    height: Math.ceil(label.height ?? 0),
    nodes,
    edges: placed,
  };
}

/**
 * An SVG path through an edge's points, with rounded turns.
 *
 * @example
 * ```ts
 * edgePath([{ x: 0, y: 0 }, { x: 10, y: 0 }]); // "M0,0 L10,0"
 * ```
 */
export function edgePath(points: readonly { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (first === undefined) return "";
  if (rest.length === 0) return `M${first.x},${first.y}`;
  if (rest.length === 1) {
    const last = rest[0] as { x: number; y: number };
    return `M${first.x},${first.y} L${last.x},${last.y}`;
  }
  // A quadratic curve through each middle point's neighbourhood.
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i] as { x: number; y: number };
    const next = rest[i + 1] as { x: number; y: number };
    d += ` Q${p.x},${p.y} ${(p.x + next.x) / 2},${(p.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1] as { x: number; y: number };
  return `${d} L${last.x},${last.y}`;
}
