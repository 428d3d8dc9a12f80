import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LogLine, RunDetail, State, StepDetail } from "../api/types.ts";
import {
  applyEntries,
  atLeast,
  backoffDelay,
  graphKey,
  graphMatches,
  isNotOlder,
  mergeLogs,
} from "./live_state.ts";

const pending = { type: "PENDING", name: "Pending", timestamp: 1 } as const;
const running = { type: "RUNNING", name: "Running", timestamp: 2 } as const;
const completed = { type: "COMPLETED", name: "Completed", timestamp: 3 } as const;

function run(extra: Partial<RunDetail> = {}): RunDetail {
  return {
    id: "r",
    flowName: "f",
    flowVersion: null,
    name: "n",
    parentRunId: null,
    parentStepId: null,
    deploymentId: null,
    scheduleId: null,
    tags: [],
    parameters: {},
    state: pending,
    stateHistory: [pending],
    retries: 0,
    result: null,
    resultRef: null,
    error: null,
    taskRuns: [],
    subflowRuns: [],
    steps: [],
    ...extra,
  };
}

function step(id: string, state: State = running): StepDetail {
  return {
    id,
    kind: "task",
    name: "t",
    runName: `t-${id}`,
    state,
    stateHistory: [state],
    attempts: 1,
    startedAt: 2,
    endedAt: null,
    cached: false,
    childRunId: null,
    parentStepId: null,
    inputs: [],
    tags: [],
    resultLocation: null,
    error: null,
  };
}

function line(cursor: number, level: LogLine["level"] = "INFO"): LogLine {
  return { cursor, runId: "r", level, source: "s", message: `m${cursor}`, timestamp: cursor };
}

describe("backoffDelay", () => {
  it("doubles from 0.5 s to a 15 s ceiling, with jitter between half and all", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, () => 1)),
      [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000],
    );
    assert.equal(
      backoffDelay(0, () => 0),
      250,
    );
    assert.equal(
      backoffDelay(-3, () => 1),
      500,
    );
  });
});

describe("applyEntries", () => {
  it("moves the run's state at once on run.state entries, and ignores the rest", () => {
    const next = applyEntries(run(), [
      { type: "run.state", at: 2, state: running },
      {
        type: "step.started",
        at: 2,
        stepId: "0",
        kind: "task",
        name: "t",
        runName: "t-0",
        attempt: 1,
        state: running,
      },
      { type: "run.state", at: 3, state: completed },
    ]);
    assert.deepEqual(next.state, completed);
    assert.deepEqual(next.stateHistory, [pending, running, completed]);
  });
  it("does not add a state the snapshot already has", () => {
    const shown = run({ state: running, stateHistory: [pending, running] });
    const next = applyEntries(shown, [{ type: "run.state", at: 2, state: running }]);
    assert.equal(next, shown);
  });
});

describe("isNotOlder", () => {
  it("takes a snapshot with at least as many states, or another run's", () => {
    const older = run();
    const newer = run({ state: running, stateHistory: [pending, running] });
    assert.equal(isNotOlder(newer, older), true);
    assert.equal(isNotOlder(older, newer), false);
    assert.equal(isNotOlder(older, null), true);
    assert.equal(isNotOlder({ ...older, id: "other" }, newer), true);
  });
});

describe("graphKey and graphMatches", () => {
  it("change when a step appears or changes state, not otherwise", () => {
    const a = run({ steps: [step("0")] });
    assert.equal(graphKey(a), graphKey(run({ steps: [step("0")], result: 1 })));
    assert.notEqual(graphKey(a), graphKey(run({ steps: [step("0"), step("1")] })));
    assert.notEqual(graphKey(a), graphKey(run({ steps: [step("0", completed)] })));
    assert.equal(graphKey(null), "");
  });
  it("tell whether a graph already shows the run's steps", () => {
    const node = {
      id: "0",
      kind: "task" as const,
      label: "t-0",
      state: running,
      startedAt: 2,
      endedAt: null,
      childRunId: null,
    };
    const graph = { nodes: [node], edges: [] };
    assert.equal(graphMatches(graph, run({ steps: [step("0")] })), true);
    assert.equal(graphMatches(graph, run({ steps: [step("0", completed)] })), false);
    assert.equal(graphMatches(graph, run({ steps: [step("0"), step("1")] })), false);
  });
});

describe("mergeLogs and atLeast", () => {
  it("appends live lines, keeps each cursor once and in order, and filters by level", () => {
    const shown = [line(1), line(2)];
    assert.deepEqual(
      mergeLogs(shown, [line(3)], "INFO").map((l) => l.cursor),
      [1, 2, 3],
    );
    assert.deepEqual(
      mergeLogs(shown, [line(2), line(0)], "INFO").map((l) => l.cursor),
      [0, 1, 2],
    );
    assert.equal(mergeLogs(shown, [line(3, "DEBUG")], "INFO"), shown);
    assert.deepEqual(
      mergeLogs([], [line(1, "ERROR"), line(2, "WARNING"), line(3, "CRITICAL")], "ERROR").map(
        (l) => l.cursor,
      ),
      [1, 3],
    );
  });
  it("ranks levels as Python's logging does, and lets unknown levels through", () => {
    assert.equal(atLeast("ERROR", "WARNING"), true);
    assert.equal(atLeast("DEBUG", "INFO"), false);
    assert.equal(atLeast("CUSTOM", "CRITICAL"), true);
  });
});
