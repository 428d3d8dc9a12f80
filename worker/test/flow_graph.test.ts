// GET /api/flows/{name}/graph: a flow drawn without running it.
import { describe, expect, it } from "vitest";
import { api, expectError, json } from "./helpers.ts";

interface Graph {
  flowName: string;
  nodes: { id: string; kind: string; label: string; parentId: string | null }[];
  edges: { from: string; to: string; kind: string }[];
  truncated: string | null;
}

describe("GET /api/flows/{name}/graph", () => {
  it("draws the steps a run would take with the schema's defaults, running nothing", async () => {
    const res = await api("/api/flows/sum/graph");
    expect(res.status).toBe(200);
    const graph = await json<Graph>(res);
    expect(graph.flowName).toBe("sum");
    // sum's default n is 3: three additions, each taking the previous total.
    expect(graph.nodes.map((n) => n.label)).toEqual(["add", "add", "add"]);
    expect(graph.edges.filter((e) => e.kind === "data")).toEqual([
      { from: "0", to: "1", kind: "data" },
      { from: "1", to: "2", kind: "data" },
    ]);
    expect(graph.truncated).toBeNull();
    const runs = await json<{ count: number }>(await api("/api/runs?flow=sum"));
    expect(runs.count).toBe(0);
  });

  it("draws with the given parameters", async () => {
    const res = await api(`/api/flows/sum/graph?parameters=${encodeURIComponent('{"n":5}')}`);
    expect((await json<Graph>(res)).nodes).toHaveLength(5);
  });

  it("refuses bad parameters, naming the field", async () => {
    await expectError(
      api(`/api/flows/sum/graph?parameters=${encodeURIComponent('{"n":-1}')}`),
      422,
      "invalid_parameters",
      "parameters.n",
    );
    await expectError(
      api("/api/flows/sum/graph?parameters=%7Bnot"),
      422,
      "invalid_value",
      "parameters",
    );
    await expectError(
      api("/api/flows/sum/graph?parameters=%5B1%5D"),
      422,
      "invalid_value",
      "parameters",
    );
  });

  it("answers 404 for an unknown flow", async () => {
    await expectError(api("/api/flows/nope/graph"), 404, "not_found");
  });
});
