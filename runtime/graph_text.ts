/**
 * A drawn flow graph as text: Mermaid (GitHub and many editors render it) or Graphviz DOT.
 * Groups and subflows become clusters holding their steps.
 *
 * @example
 * ```ts
 * import { toDot, toMermaid, visualize } from "weir";
 * const graph = await visualize(etl);
 * console.log(toMermaid(graph)); // flowchart TD ...
 * ```
 *
 * @module
 */

import type { FlowGraph, FlowGraphNode } from "./visualize.ts";

/** A node id every renderer accepts (`2/0.1` → `n2_0d1`). */
function nodeId(id: string): string {
  return `n${id.replaceAll("/", "_").replaceAll(".", "d")}`;
}

function childrenOf(graph: FlowGraph): Map<string | null, FlowGraphNode[]> {
  const children = new Map<string | null, FlowGraphNode[]>();
  for (const node of graph.nodes) {
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  return children;
}

function mermaidText(text: string): string {
  return `"${text.replaceAll('"', "#quot;").replaceAll("\n", " ")}"`;
}

const MERMAID_SHAPES: Record<string, [string, string]> = {
  task: ["[", "]"],
  subflow: ["[[", "]]"],
  deployment: ["[[", "]]"],
  sleep: ["([", "])"],
  event: ["{{", "}}"],
};

/**
 * The graph as a Mermaid flowchart.
 *
 * @example
 * ```ts
 * toMermaid(await visualize(etl)); // 'flowchart TD\n  n0["load"]\n  ...'
 * ```
 */
export function toMermaid(graph: FlowGraph): string {
  const lines = ["flowchart TD"];
  const children = childrenOf(graph);
  const emit = (node: FlowGraphNode, indent: string) => {
    const inner = children.get(node.id);
    if (inner !== undefined || node.kind === "group") {
      const title = node.kind === "subflow" ? `subflow ${node.label}` : node.label;
      lines.push(`${indent}subgraph ${nodeId(node.id)}[${mermaidText(title)}]`);
      for (const child of inner ?? []) emit(child, `${indent}  `);
      lines.push(`${indent}end`);
      return;
    }
    const [open, close] = MERMAID_SHAPES[node.kind] ?? ["[", "]"];
    lines.push(`${indent}${nodeId(node.id)}${open}${mermaidText(node.label)}${close}`);
  };
  for (const node of children.get(null) ?? []) emit(node, "  ");
  for (const edge of graph.edges) {
    if (edge.kind === "contains") continue;
    const arrow = edge.kind === "data" ? "-->" : "-.->";
    lines.push(`  ${nodeId(edge.from)} ${arrow} ${nodeId(edge.to)}`);
  }
  if (graph.truncated !== null)
    lines.push(`  %% truncated: ${graph.truncated.replaceAll("\n", " ")}`);
  return `${lines.join("\n")}\n`;
}

function dotText(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", " ")}"`;
}

const DOT_SHAPES: Record<string, string> = {
  task: "box",
  subflow: "box3d",
  deployment: "box3d",
  sleep: "ellipse",
  event: "hexagon",
};

/**
 * The graph as Graphviz DOT (`weir flow visualize NAME --format dot | dot -Tsvg`).
 *
 * @example
 * ```ts
 * toDot(await visualize(etl)); // 'digraph "etl" {\n ...'
 * ```
 */
export function toDot(graph: FlowGraph): string {
  const lines = [
    `digraph ${dotText(graph.flowName)} {`,
    "  rankdir=TB;",
    "  node [fontname=Helvetica];",
  ];
  const children = childrenOf(graph);
  const emit = (node: FlowGraphNode, indent: string) => {
    const inner = children.get(node.id);
    if (inner !== undefined || node.kind === "group") {
      const title = node.kind === "subflow" ? `subflow ${node.label}` : node.label;
      lines.push(`${indent}subgraph cluster_${nodeId(node.id)} {`);
      lines.push(`${indent}  label=${dotText(title)}; style=dashed;`);
      // An empty cluster still needs a node for edges to reach it.
      lines.push(`${indent}  ${nodeId(node.id)} [label=${dotText(title)}, shape=point];`);
      for (const child of inner ?? []) emit(child, `${indent}  `);
      lines.push(`${indent}}`);
      return;
    }
    const shape = DOT_SHAPES[node.kind] ?? "box";
    lines.push(`${indent}${nodeId(node.id)} [label=${dotText(node.label)}, shape=${shape}];`);
  };
  for (const node of children.get(null) ?? []) emit(node, "  ");
  for (const edge of graph.edges) {
    if (edge.kind === "contains") continue;
    const style = edge.kind === "data" ? "" : " [style=dotted]";
    lines.push(`  ${nodeId(edge.from)} -> ${nodeId(edge.to)}${style};`);
  }
  if (graph.truncated !== null)
    lines.push(`  // truncated: ${graph.truncated.replaceAll("\n", " ")}`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
