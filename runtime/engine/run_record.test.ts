import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JournalEntry } from "../journal.ts";
import { AwaitingRetry, Completed, Failed, Retrying, Running, type State } from "../states.ts";
import { applyEntry, emptyRunRecord, foldJournal } from "./run_record.ts";

const error = { name: "Error", message: "boom" };

/** A task step that fails twice (retrying) and then completes: six states. */
function retriedStep(): { entries: JournalEntry[]; states: State[] } {
  const states = [
    Running(1),
    AwaitingRetry(2, { scheduledTime: 3 }),
    Retrying(3),
    AwaitingRetry(4, { scheduledTime: 5 }),
    Retrying(5),
    Completed(6),
  ];
  const started = (at: number, attempt: number, state: State): JournalEntry => ({
    type: "step.started",
    at,
    stepId: "0",
    kind: "task",
    name: "t",
    runName: "t-0",
    attempt,
    state,
  });
  const failed = (at: number, attempt: number, state: State): JournalEntry => ({
    type: "step.failed",
    at,
    stepId: "0",
    state,
    error,
    attempt,
    retryAt: at + 1,
  });
  const [s1, s2, s3, s4, s5, s6] = states as [State, State, State, State, State, State];
  return {
    states,
    entries: [
      started(1, 1, s1),
      failed(2, 1, s2),
      started(3, 2, s3),
      failed(4, 2, s4),
      started(5, 3, s5),
      { type: "step.completed", at: 6, stepId: "0", state: s6, value: 1 },
    ],
  };
}

describe("RunRecord steps", () => {
  test("keep every state in order, whenever the history is read", () => {
    const { entries, states } = retriedStep();
    // Read the history after each entry: it is always the states so far.
    const record = emptyRunRecord();
    entries.forEach((entry, i) => {
      applyEntry(record, entry);
      const step = record.steps.get("0");
      assert.deepEqual(step?.states, states.slice(0, i + 1));
      assert.equal(step?.state, states[i]);
    });
    // Read it only at the end.
    const folded = foldJournal(entries).steps.get("0");
    assert.deepEqual(folded?.states, states);
    assert.equal(folded?.attempt, 3);
    assert.equal(folded?.failures, 2);
    assert.equal(folded?.endedAt, 6);
    assert.deepEqual(folded?.outcome, {
      ok: true,
      at: 6,
      value: 1,
      ref: undefined,
      eventId: undefined,
      winner: undefined,
    });
  });

  test("a step read halfway keeps its history current as entries arrive", () => {
    const { entries, states } = retriedStep();
    const record = foldJournal(entries.slice(0, 3));
    const history = record.steps.get("0")?.states;
    assert.deepEqual(history, states.slice(0, 3));
    for (const entry of entries.slice(3)) applyEntry(record, entry);
    assert.equal(record.steps.get("0")?.states, history);
    assert.deepEqual(history, states);
  });

  test("a final failure is the outcome; tags and inputs default to empty", () => {
    const record = foldJournal([
      {
        type: "step.started",
        at: 1,
        stepId: "0",
        kind: "task",
        name: "t",
        runName: "t-0",
        attempt: 1,
        state: Running(1),
      },
      { type: "step.failed", at: 2, stepId: "0", state: Failed(2), error, attempt: 1 },
    ]);
    const step = record.steps.get("0");
    assert.deepEqual(step?.outcome, { ok: false, at: 2, error });
    assert.deepEqual(step?.states, [Running(1), Failed(2)]);
    assert.deepEqual(step?.tags, []);
    assert.deepEqual(step?.inputs, []);
  });

  test("a run retry forgets failed outcomes and keeps completed ones", () => {
    const start = (stepId: string, at = 1, attempt = 1): JournalEntry => ({
      type: "step.started",
      at,
      stepId,
      kind: "task",
      name: "t",
      runName: `t-${stepId}`,
      attempt,
      state: Running(at),
    });
    const record = foldJournal([
      start("0"),
      { type: "step.completed", at: 2, stepId: "0", state: Completed(2), value: 7 },
      start("1"),
      { type: "step.failed", at: 3, stepId: "1", state: Failed(3), error, attempt: 1 },
      { type: "run.retry", at: 4, attempt: 1 },
    ]);
    const [done, failed] = [record.steps.get("0"), record.steps.get("1")];
    assert.equal(done?.outcome?.ok, true);
    assert.equal(failed?.outcome, undefined);
    assert.equal(failed?.failures, 0);
    // It ended (the cancellation of unfinished steps skips it) until it starts again.
    assert.equal(failed?.endedAt, 3);
    applyEntry(record, start("1", 5, 2));
    assert.equal(failed?.endedAt, undefined);
    assert.equal(failed?.attempt, 2);
    assert.equal(failed?.startedAt, 1);
  });

  test("records whose steps were made elsewhere are refused", () => {
    const record = emptyRunRecord();
    const { entries } = retriedStep();
    record.steps.set("0", { ...foldJournal(entries).steps.get("0") } as never);
    assert.throws(() => applyEntry(record, entries[1] as JournalEntry), TypeError);
  });
});
