/**
 * The crash test's rules on made-up evidence: a test that never fails proves nothing, so each
 * rule is shown to catch the failure it is for, and to pass a step re-run across a kill.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogLine, RunDetail, StepDetail } from "../worker/api/run_json.ts";
import { type Evidence, judge } from "./checks.ts";
import type { RunSeen } from "./observer.ts";
import { expectedResult, stepLogLine } from "./protocol.ts";
import type { Execution } from "./recorder.ts";

const RUN = "run-1";
const completed = { type: "COMPLETED", name: "Completed", timestamp: 0 } as const;

function step(id: number, endedAt: number): StepDetail {
  return {
    id: String(id),
    kind: "task",
    name: "recorded-step",
    runName: `recorded-step-${id}`,
    state: completed,
    stateHistory: [completed],
    attempts: 1,
    startedAt: endedAt - 10,
    endedAt,
    cached: false,
    childRunId: null,
    parentStepId: null,
    inputs: [],
    tags: [],
    resultLocation: { storage: "inline" },
    error: null,
  };
}

/**
 * Two steps: step 0 ran on server 1 (spawned at 0), which was killed at 1000 while step 1 ran;
 * server 2 (spawned at 2000) ran step 1 again and completed it at 2600.
 */
function evidence(change: (e: Mutable) => void = () => {}): Evidence {
  const executions: Execution[] = [
    { runId: RUN, step: 0, attempt: 1, at: 100, generation: 1 },
    { runId: RUN, step: 1, attempt: 1, at: 900, generation: 1 },
    { runId: RUN, step: 1, attempt: 1, at: 2500, generation: 2 },
  ];
  const logs: LogLine[] = [0, 1].map((i) => ({
    cursor: i + 1,
    runId: RUN,
    level: "INFO",
    source: "task",
    message: stepLogLine(i, 1),
    timestamp: 0,
  }));
  const detail = {
    id: RUN,
    state: { ...completed, timestamp: 2600 },
    result: expectedResult(2, 1),
    steps: [step(0, 200), step(1, 2600)],
  } as unknown as RunDetail;
  const seen: RunSeen = {
    id: RUN,
    completedSeenAt: new Map([["0", 300]]),
    lines: new Map([[1, stepLogLine(0, 1)]]),
    cursor: 1,
    final: undefined,
  };
  const e: Mutable = {
    steps: 2,
    runs: [{ id: RUN, seed: 1 }],
    executions,
    generations: [
      { generation: 1, spawnedAt: 0, healthyAt: 50 },
      { generation: 2, spawnedAt: 2000, healthyAt: 2400 },
    ],
    kills: [{ generation: 1, at: 1000, pending: [RUN] }],
    seen: new Map([[RUN, seen]]),
    finals: new Map([[RUN, { detail, logs }]]),
  };
  change(e);
  return e;
}

type Mutable = { -readonly [K in keyof Evidence]: Evidence[K] };

test("a step re-run across a kill passes, and the figures count it", () => {
  const verdict = judge(evidence());
  assert.deepEqual(verdict.violations, []);
  assert.equal(verdict.figures.stepsRunTwice, 1);
  assert.deepEqual(verdict.figures.resumeMs, { n: 1, min: 100, median: 100, max: 100 });
});

test("a step run twice on one server is caught", () => {
  const verdict = judge(
    evidence((e) => {
      e.executions = [
        ...e.executions,
        { runId: RUN, step: 1, attempt: 1, at: 2550, generation: 2 },
      ];
    }),
  );
  assert.match(verdict.violations.join("\n"), /step 1 attempt 1 ran twice on server 2/);
});

test("a step run after the API showed it completed is caught", () => {
  const verdict = judge(
    evidence((e) => {
      e.executions = [
        ...e.executions,
        { runId: RUN, step: 0, attempt: 1, at: 2450, generation: 2 },
      ];
    }),
  );
  const text = verdict.violations.join("\n");
  assert.match(text, /step 0 ran 2150 ms after the API showed it completed/);
  assert.match(text, /step 0 ran on server 2 after its completion was stored by server 1/);
});

test("a lost or changed log line, a missing step line and a wrong result are caught", () => {
  const verdict = judge(
    evidence((e) => {
      const final = e.finals.get(RUN);
      assert.ok(final !== undefined);
      e.finals = new Map([
        [RUN, { detail: { ...final.detail, result: 4 }, logs: final.logs.slice(1) }],
      ]);
    }),
  );
  const text = verdict.violations.join("\n");
  assert.match(text, /returned 4, not 3/);
  assert.match(text, /log line 1 "step 0 attempt 1 recorded" is missing/);
  assert.match(text, /step 0 completed without its log line/);
  assert.equal(verdict.figures.lostLogLines, 1);
});

test("steps of a run the test never created are caught", () => {
  const verdict = judge(
    evidence((e) => {
      e.executions = [
        ...e.executions,
        { runId: "other", step: 0, attempt: 1, at: 50, generation: 1 },
      ];
    }),
  );
  assert.match(verdict.violations.join("\n"), /run other, which the test never created/);
});
