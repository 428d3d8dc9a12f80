import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toDot, toMermaid } from "./graph_text.ts";
import { all, flow, runDeployment, sleep, startDeployment, task, waitForEvent } from "./mod.ts";
import { visualize } from "./visualize.ts";

let calls = 0;
const load = task({ name: "load" }, async (url: string) => {
  calls++;
  return { rows: [url] };
});
const clean = task({ name: "clean" }, async (data: { rows: string[] }) => {
  calls++;
  return data.rows.map((r) => r.trim());
});
const count = task({ name: "count" }, async (rows: string[]) => {
  calls++;
  return rows.length;
});
const report = task({ name: "report" }, async (n: number, m: number) => {
  calls++;
  return `${n}/${m}`;
});
const child = flow({ name: "child" }, async function* (p: { rows: string[] }) {
  return yield* count(p.rows);
});

describe("visualize", () => {
  test("draws tasks and data edges without running a task", async () => {
    const etl = flow({ name: "etl" }, async function* (p: { url: string }) {
      const data = yield* load(p.url);
      const rows = yield* clean(data);
      const [a, b] = yield* all([count(rows), count(rows)]);
      const handle = yield* load.submit("other");
      const other = yield* handle;
      yield* sleep(60);
      const n = yield* child({ rows: other.rows });
      return yield* report(a, n + b);
    });
    calls = 0;
    const graph = await visualize(etl, { url: "https://example.com" });
    assert.equal(calls, 0, "no task function ran");
    assert.equal(graph.truncated, null);
    const labels = graph.nodes.map((n) => `${n.id}:${n.kind}:${n.label}`);
    assert.deepEqual(labels, [
      "0:task:load",
      "1:task:clean",
      "2:group:all",
      "2.0:task:count",
      "2.1:task:count",
      "3:task:load",
      "4:sleep:sleep 60000 ms",
      "5:subflow:child",
      "5/0:task:count",
      "6:task:report",
    ]);
    const data = graph.edges.filter((e) => e.kind === "data").map((e) => `${e.from}->${e.to}`);
    assert.ok(data.includes("0->1"), "clean takes load's result");
    assert.ok(data.includes("1->2.0") && data.includes("1->2.1"), "both counts take clean's rows");
    assert.ok(data.includes("3->5"), "the subflow's params come from the submitted load");
    assert.ok(data.includes("2.0->6") || data.includes("2->6"), "report takes a count");
    assert.equal(graph.nodes.find((n) => n.id === "5/0")?.parentId, "5");
  });

  test("a loop on a task's result is cut off and says why", async () => {
    const poll = task({ name: "poll" }, async () => "done");
    const looping = flow({ name: "looping" }, async function* () {
      let status = "";
      while (status !== "done") status = yield* poll();
      return status;
    });
    const graph = await visualize(looping, undefined, { maxSteps: 20 });
    assert.equal(graph.nodes.length, 20);
    assert.match(graph.truncated ?? "", /stopped after 20 steps/);
  });

  test("a body that throws on a placeholder keeps the steps drawn so far", async () => {
    const strict = flow({ name: "strict" }, async function* () {
      const data = yield* load("x");
      if (typeof data.rows[0] !== "string") throw new Error("need a real row");
      yield* count([]);
    });
    const graph = await visualize(strict);
    assert.deepEqual(
      graph.nodes.map((n) => n.label),
      ["load"],
    );
    assert.match(graph.truncated ?? "", /need a real row/);
  });

  test("a deployment run is drawn by its reference", async () => {
    const caller = flow({ name: "caller" }, async function* () {
      const rows = yield* load("u");
      const result = yield* runDeployment("data-science/nightly", { rows });
      yield* startDeployment("report/daily");
      return result;
    });
    const graph = await visualize(caller);
    assert.deepEqual(
      graph.nodes.map((n) => `${n.kind}:${n.label}`),
      ["task:load", "deployment:data-science/nightly", "deployment:start report/daily"],
    );
    assert.ok(graph.edges.some((e) => e.kind === "data" && e.from === "0" && e.to === "1"));
    assert.match(toMermaid(graph), /n1\[\["data-science\/nightly"\]\]/);
  });

  test("events and bad params", async () => {
    const approval = flow({ name: "approval" }, async function* () {
      const ok = yield* waitForEvent("approved");
      return ok;
    });
    const graph = await visualize(approval);
    assert.equal(graph.nodes[0]?.kind, "event");
    assert.match(toMermaid(graph), /n0\{\{"wait for 'approved'"\}\}/);
  });

  test("Mermaid and DOT name every node and edge", async () => {
    const etl = flow({ name: 'say "hi"' }, async function* () {
      const rows = yield* clean(yield* load("u"));
      return yield* count(rows);
    });
    const graph = await visualize(etl);
    const mermaid = toMermaid(graph);
    assert.match(mermaid, /^flowchart TD\n/);
    assert.match(mermaid, /n0\["load"\]/);
    assert.match(mermaid, /n0 --> n1/);
    const dot = toDot(graph);
    assert.match(dot, /^digraph "say \\"hi\\"" \{/);
    assert.match(dot, /n1 -> n2;/);
  });
});
