import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GraphNode, RunGraph } from "../api/types.ts";
import { edgePath, layoutGraph, NODE_HEIGHT, nodeWidth, orderEdges } from "./graph_layout.ts";

const done = { type: "COMPLETED", name: "Completed", timestamp: 0 } as const;

function node(
  id: string,
  startedAt: number,
  endedAt: number | null,
  kind: GraphNode["kind"] = "task",
): GraphNode {
  return { id, kind, label: `step-${id}`, state: done, startedAt, endedAt, childRunId: null };
}

/** The iris data-engineer run's graph, as the API answers it. */
const engineer: RunGraph = {
  nodes: [node("0", 0, 10), node("1", 11, 12), node("2", 13, 20), node("3", 21, 30)],
  edges: [
    { from: "0", to: "1", kind: "data" },
    { from: "0", to: "2", kind: "data" },
    { from: "1", to: "2", kind: "data" },
    { from: "2", to: "3", kind: "data" },
    { from: "1", to: "3", kind: "data" },
  ],
};

describe("layoutGraph", () => {
  it("lays data flow out left to right, with every node and edge placed", () => {
    const layout = layoutGraph(engineer);
    const x = Object.fromEntries(layout.nodes.map((n) => [n.node.id, n.x]));
    assert.ok(
      (x["0"] ?? 0) < (x["1"] ?? 0) &&
        (x["1"] ?? 0) < (x["2"] ?? 0) &&
        (x["2"] ?? 0) < (x["3"] ?? 0),
    );
    assert.equal(layout.edges.length, 5);
    for (const edge of layout.edges) assert.ok(edge.points.length >= 2, `${edge.from}->${edge.to}`);
    for (const n of layout.nodes) {
      assert.equal(n.height, NODE_HEIGHT);
      assert.ok(n.x >= 0 && n.y >= 0);
      assert.ok(n.x + n.width <= layout.width && n.y + n.height <= layout.height);
    }
  });

  it("stacks concurrent steps and puts sequential ones one after another", () => {
    const concurrent = layoutGraph({ nodes: [node("0", 0, 10), node("1", 0, 10)], edges: [] });
    const [a, b] = concurrent.nodes;
    assert.equal(a?.x, b?.x);
    assert.notEqual(a?.y, b?.y);
    const sequential = layoutGraph({
      nodes: [node("0", 0, 10), node("1", 11, 20, "subflow")],
      edges: [],
    });
    assert.ok((sequential.nodes[0]?.x ?? 0) < (sequential.nodes[1]?.x ?? 0));
    assert.deepEqual(
      sequential.edges.map((e) => [e.from, e.to, e.kind]),
      [["0", "1", "after"]],
    );
  });

  it("ignores edges to unknown nodes and draws an empty graph as nothing", () => {
    const layout = layoutGraph({
      nodes: [node("0", 0, 1)],
      edges: [{ from: "9", to: "0", kind: "data" }],
    });
    assert.equal(layout.edges.length, 0);
    assert.deepEqual(layoutGraph({ nodes: [], edges: [] }).nodes, []);
  });
});

describe("orderEdges", () => {
  it("links each step no edge leads to from the step that ended last before it started", () => {
    const graph: RunGraph = {
      nodes: [
        node("0", 0, 5),
        node("1", 0, 8),
        node("2", 9, 12),
        node("g", 13, null, "group"),
        node("g.0", 13, null),
      ],
      edges: [{ from: "g", to: "g.0", kind: "contains" }],
    };
    assert.deepEqual(orderEdges(graph), [
      { from: "1", to: "2", kind: "after" },
      { from: "2", to: "g", kind: "after" },
    ]);
    assert.deepEqual(orderEdges(engineer), []);
  });
});

describe("nodeWidth and edgePath", () => {
  it("fits the label and the state line within bounds", () => {
    const short = nodeWidth({ label: "a", kind: "task", state: { name: "Completed" } });
    const long = nodeWidth({ label: "x".repeat(200), kind: "task", state: { name: "Completed" } });
    assert.ok(short >= 130 && short < long);
    assert.equal(long, 280);
  });
  it("draws lines and curves through the points", () => {
    assert.equal(edgePath([]), "");
    assert.equal(edgePath([{ x: 0, y: 0 }]), "M0,0");
    assert.equal(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 0 },
      ]),
      "M0,0 L10,0",
    );
    assert.equal(
      edgePath([
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 10, y: 10 },
      ]),
      "M0,0 Q10,0 10,5 L10,10",
    );
  });
});
