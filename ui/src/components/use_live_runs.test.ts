import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RunPage, RunSummary } from "../api/types.ts";
import { appendPage, mergeFresh, type ShownRuns } from "./use_live_runs.ts";

function run(id: string, createdAt: number, state = "RUNNING"): RunSummary {
  return {
    id,
    flowName: "f",
    name: id,
    deploymentId: null,
    parentRunId: null,
    state: { type: state as RunSummary["state"]["type"], name: state },
    tags: [],
    createdAt,
    updatedAt: createdAt,
    scheduledAt: null,
    startedAt: null,
    endedAt: null,
  };
}

const ids = (s: ShownRuns) => s.runs.map((r) => r.id);
const page = (runs: RunSummary[], count: number, nextCursor: string | null): RunPage => ({
  runs,
  count,
  nextCursor,
});

describe("merging a fresh first page into the runs shown", () => {
  // Shown: d c b (with Load more's cursor after b); a is older and not shown.
  const shown: ShownRuns = { runs: [run("d", 4), run("c", 3), run("b", 2)], count: 4, cursor: "B" };

  it("puts new runs on top, updates changed ones, and keeps the end and cursor", () => {
    const fresh = page([run("e", 5), run("d", 4, "COMPLETED"), run("c", 3), run("b", 2)], 5, "x");
    const next = mergeFresh(shown, fresh);
    assert.deepEqual(ids(next), ["e", "d", "c", "b"]);
    assert.equal(next.runs[1]?.state.type, "COMPLETED");
    assert.equal(next.cursor, "B");
    assert.equal(next.count, 5);
  });

  it("keeps the shown runs below a fresh page that stops short", () => {
    const fresh = page([run("f", 6), run("e", 5), run("d", 4)], 6, "x");
    assert.deepEqual(ids(mergeFresh(shown, fresh)), ["f", "e", "d", "c", "b"]);
  });

  it("drops runs that left the filter, and trusts a complete page", () => {
    assert.deepEqual(
      ids(mergeFresh(shown, page([run("d", 4), run("b", 2), run("a", 1)], 3, "x"))),
      ["d", "b"],
    );
    const complete = mergeFresh(shown, page([run("d", 4), run("a", 1)], 2, null));
    assert.deepEqual(ids(complete), ["d", "a"]);
    assert.equal(complete.cursor, null);
  });

  it("orders runs created in the same millisecond by id, as the API does", () => {
    const same: ShownRuns = { runs: [run("y", 1), run("x", 1)], count: 3, cursor: "X" };
    const fresh = page([run("z", 1), run("y", 1), run("x", 1), run("w", 1)], 4, "w");
    assert.deepEqual(ids(mergeFresh(same, fresh)), ["z", "y", "x"]);
  });

  it("appends a Load more page without repeating runs", () => {
    const next = appendPage(shown, page([run("b", 2), run("a", 1)], 4, null));
    assert.deepEqual(ids(next), ["d", "c", "b", "a"]);
    assert.equal(next.cursor, null);
  });
});
