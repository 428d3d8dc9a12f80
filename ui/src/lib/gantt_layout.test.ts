import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { State, StateType } from "../api/types.ts";
import { formatOffset, type GanttStep, ganttLayout, tickStep } from "./gantt_layout.ts";

const T = 1_700_000_000_000;

function state(type: StateType, name: string, at: number, extra: Partial<State> = {}): State {
  return { type, name, timestamp: T + at, ...extra };
}

function step(
  id: string,
  history: State[],
  options: { kind?: "task" | "subflow" | "sleep"; endedAt?: number | null; child?: string } = {},
): GanttStep {
  const last = history[history.length - 1] as State;
  return {
    id,
    kind: options.kind ?? "task",
    name: id.replace(/-\d+$/, ""),
    runName: id,
    state: last,
    stateHistory: history,
    attempts: history.filter((s) => s.type === "RUNNING").length,
    startedAt: (history[0] as State).timestamp,
    endedAt:
      options.endedAt === undefined
        ? ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(last.type)
          ? last.timestamp
          : null
        : options.endedAt === null
          ? null
          : T + options.endedAt,
    childRunId: options.child ?? null,
  };
}

const done = (id: string, from: number, to: number) =>
  step(id, [state("RUNNING", "Running", from), state("COMPLETED", "Completed", to)]);

describe("ganttLayout", () => {
  it("puts a row per task and subflow in order of start, scaled to the run's span", () => {
    const steps = [
      done("b-0", 2000, 6000),
      done("a-0", 0, 4000),
      step("nap-0", [state("PAUSED", "Paused", 100)], { kind: "sleep" }),
      step(
        "child-0",
        [state("RUNNING", "Running", 2000), state("COMPLETED", "Completed", 10_000)],
        {
          kind: "subflow",
          child: "c1",
        },
      ),
    ];
    const layout = ganttLayout(steps, { now: T + 99_000, runStart: T, runEnd: T + 10_000 });
    assert.equal(layout.start, T);
    assert.equal(layout.end, T + 10_000);
    assert.deepEqual(
      layout.rows.map((r) => [r.label, r.kind, r.left, r.width]),
      [
        ["a-0", "task", 0, 0.4],
        ["b-0", "task", 0.2, 0.4],
        ["child-0", "subflow", 0.2, 0.8],
      ],
    );
    assert.equal(layout.rows[2]?.childRunId, "c1");
    assert.equal(layout.hidden, 0);
    // One segment per attempt, coloured by how it ended.
    assert.deepEqual(
      layout.rows[0]?.segments.map((s) => [s.kind, s.colour, s.attempt, s.left, s.width]),
      [["run", "COMPLETED", 1, 0, 1]],
    );
  });

  it("shows each attempt and the AwaitingRetry wait between them", () => {
    const flaky = step("call-api-0", [
      state("RUNNING", "Running", 0),
      state("SCHEDULED", "AwaitingRetry", 1000, { message: "503", scheduledTime: T + 3000 }),
      state("RUNNING", "Retrying", 3000),
      state("COMPLETED", "Completed", 4000),
    ]);
    const [row] = ganttLayout([flaky], { now: T + 4000, runStart: T, runEnd: T + 4000 }).rows;
    assert.ok(row);
    assert.deepEqual(
      row.segments.map((s) => ({
        kind: s.kind,
        colour: s.colour,
        name: s.stateName,
        attempt: s.attempt,
        left: s.left,
        width: s.width,
        message: s.message,
      })),
      [
        {
          kind: "run",
          colour: "FAILED",
          name: "Running",
          attempt: 1,
          left: 0,
          width: 0.25,
          message: "503",
        },
        {
          kind: "wait",
          colour: "SCHEDULED",
          name: "AwaitingRetry",
          attempt: 0,
          left: 0.25,
          width: 0.5,
          message: "503",
        },
        {
          kind: "run",
          colour: "COMPLETED",
          name: "Retrying",
          attempt: 2,
          left: 0.75,
          width: 0.25,
          message: undefined,
        },
      ],
    );
    assert.equal(row.attempts, 2);
    assert.match(row.summary, /^Task run call-api-0: Completed, started at \+0ms, took 4\.0s/);
    assert.match(row.summary, /2 attempts, 1 wait \(AwaitingRetry\) of 2\.0s/);
  });

  it("grows running steps and the chart to now", () => {
    const steps = [
      done("a-0", 0, 1000),
      step("b-0", [state("RUNNING", "Running", 500)]),
      step("c-0", [state("RUNNING", "Running", 600), state("SCHEDULED", "AwaitingRetry", 800)]),
    ];
    const at = (now: number) => ganttLayout(steps, { now: T + now, runStart: T, runEnd: null });
    const early = at(2000);
    assert.equal(early.end, T + 2000);
    assert.deepEqual(
      early.rows.map((r) => [r.label, r.open, r.end - T]),
      [
        ["a-0", false, 1000],
        ["b-0", true, 2000],
        ["c-0", true, 2000],
      ],
    );
    assert.equal(early.rows[1]?.segments[0]?.colour, "RUNNING");
    assert.match(early.rows[1]?.summary ?? "", /running for 1\.5s so far/);
    // The wait after a failed attempt is open: it reaches now too.
    assert.deepEqual(
      early.rows[2]?.segments.map((s) => [s.kind, s.colour, s.end - T]),
      [
        ["run", "FAILED", 800],
        ["wait", "SCHEDULED", 2000],
      ],
    );
    const later = at(4000);
    assert.equal(later.end, T + 4000);
    assert.equal(later.rows[1]?.end, T + 4000);
    assert.equal(later.rows[0]?.width, 0.25);
  });

  it("draws any step that started a child run as a subflow run, linked to it", () => {
    // A newer API's step kind (a deployment's run started from the flow, say) with a child run.
    const started = { ...done("report-0", 0, 1000), kind: "deployment" as never, childRunId: "c9" };
    const [row] = ganttLayout([started], { now: T + 1000, runStart: T, runEnd: T + 1000 }).rows;
    assert.equal(row?.kind, "subflow");
    assert.equal(row?.childRunId, "c9");
    assert.match(row?.summary ?? "", /^Subflow run report-0: Completed/);
  });

  it("keeps the first rows by start and counts the rest", () => {
    const steps = Array.from({ length: 5 }, (_, i) => done(`t-${4 - i}`, (4 - i) * 100, 1000));
    const layout = ganttLayout(steps, { now: T + 1000, runStart: T, runEnd: T + 1000, maxRows: 3 });
    assert.deepEqual(
      layout.rows.map((r) => r.label),
      ["t-0", "t-1", "t-2"],
    );
    assert.equal(layout.hidden, 2);
  });

  it("handles no steps, and steps that took no time", () => {
    const empty = ganttLayout([], { now: T, runStart: T, runEnd: null });
    assert.deepEqual(empty.rows, []);
    assert.equal(empty.end - empty.start, 10);
    const cached = step("c-0", [state("COMPLETED", "Cached", 0)]);
    const [row] = ganttLayout([cached], { now: T + 5, runStart: T, runEnd: T }).rows;
    assert.equal(row?.width, 0);
    assert.deepEqual(row?.segments, []);
    const instant = step("i-0", [state("RUNNING", "Running", 0), state("FAILED", "Failed", 0)]);
    const [zero] = ganttLayout([instant], { now: T, runStart: T, runEnd: T }).rows;
    assert.deepEqual(
      zero?.segments.map((s) => [s.colour, s.left, s.width]),
      [["FAILED", 0, 1]],
    );
  });

  it("ticks the axis at round offsets from the start", () => {
    const layout = ganttLayout([done("a-0", 0, 47_000)], {
      now: T + 47_000,
      runStart: T,
      runEnd: T + 47_000,
    });
    assert.deepEqual(
      layout.ticks.map((t) => t.label),
      ["0s", "10s", "20s", "30s", "40s"],
    );
    assert.equal(layout.ticks[1]?.left, 10_000 / 47_000);
  });
});

describe("tickStep and formatOffset", () => {
  it("choose round steps and label them as precisely as needed", () => {
    assert.equal(tickStep(47_000), 10_000);
    assert.equal(tickStep(900), 200);
    assert.equal(tickStep(3 * 3_600_000), 1_800_000);
    assert.equal(tickStep(90 * 86_400_000), 3 * 604_800_000);
    assert.equal(formatOffset(0, 1000), "0s");
    assert.equal(formatOffset(400, 200), "400ms");
    assert.equal(formatOffset(1_250, 250), "1.25s");
    assert.equal(formatOffset(90_000, 30_000), "1m 30s");
    assert.equal(formatOffset(5_400_000, 1_800_000), "1h 30m");
    assert.equal(formatOffset(2 * 86_400_000, 86_400_000), "2d");
  });
});
