import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AwaitingConcurrencySlot,
  AwaitingRetry,
  Cached,
  Cancelled,
  Cancelling,
  Completed,
  Crashed,
  Failed,
  FINAL_STATE_TYPES,
  formatState,
  isFinal,
  Late,
  Paused,
  Pending,
  Retrying,
  Running,
  Scheduled,
  type State,
  StateType,
  Suspended,
  TimedOut,
} from "./states.ts";

type Make = (timestamp: number, extra?: { message?: string; scheduledTime?: number }) => State;

/** Every named state: its constructor, type, name and whether it is final. */
const NAMED: ReadonlyArray<readonly [Make, StateType, string, boolean]> = [
  [Scheduled, "SCHEDULED", "Scheduled", false],
  [Late, "SCHEDULED", "Late", false],
  [AwaitingRetry, "SCHEDULED", "AwaitingRetry", false],
  [AwaitingConcurrencySlot, "SCHEDULED", "AwaitingConcurrencySlot", false],
  [Pending, "PENDING", "Pending", false],
  [Running, "RUNNING", "Running", false],
  [Retrying, "RUNNING", "Retrying", false],
  [Paused, "PAUSED", "Paused", false],
  [Suspended, "PAUSED", "Suspended", false],
  [Cancelling, "CANCELLING", "Cancelling", false],
  [Completed, "COMPLETED", "Completed", true],
  [Cached, "COMPLETED", "Cached", true],
  [Failed, "FAILED", "Failed", true],
  [TimedOut, "FAILED", "TimedOut", true],
  [Cancelled, "CANCELLED", "Cancelled", true],
  [Crashed, "CRASHED", "Crashed", true],
];

describe("states", () => {
  test("the state types are Prefect's nine", () => {
    assert.deepEqual(Object.values(StateType), [
      "SCHEDULED",
      "PENDING",
      "RUNNING",
      "PAUSED",
      "CANCELLING",
      "COMPLETED",
      "FAILED",
      "CANCELLED",
      "CRASHED",
    ]);
    for (const [key, value] of Object.entries(StateType)) assert.equal(key, value);
    assert.deepEqual([...FINAL_STATE_TYPES].sort(), [
      "CANCELLED",
      "COMPLETED",
      "CRASHED",
      "FAILED",
    ]);
  });

  for (const [make, type, name, final] of NAMED) {
    test(`${name} is a ${type} state${final ? ", final" : ""}`, () => {
      const state = make(1234);
      assert.deepEqual(state, { type, name, timestamp: 1234 });
      assert.ok(!("message" in state), "no message key unless given");
      assert.ok(!("scheduledTime" in state), "no scheduledTime key unless given");
      assert.equal(isFinal(state), final);
      const full = make(5, { message: "why", scheduledTime: 99 });
      assert.deepEqual(full, { type, name, timestamp: 5, message: "why", scheduledTime: 99 });
      assert.deepEqual(JSON.parse(JSON.stringify(full)), full, "states are plain JSON data");
    });
  }

  test("every constructor makes a new object", () => {
    const a = Running(1);
    const b = Running(1);
    assert.notEqual(a, b);
    assert.deepEqual(a, b);
  });

  test("isFinal looks only at the type", () => {
    assert.equal(isFinal({ type: "COMPLETED", name: "Whatever", timestamp: 0 }), true);
    assert.equal(isFinal({ type: "PAUSED", name: "Completed", timestamp: 0 }), false);
    const finals = NAMED.filter(([make]) => isFinal(make(0))).map(([, , name]) => name);
    assert.deepEqual(finals, ["Completed", "Cached", "Failed", "TimedOut", "Cancelled", "Crashed"]);
  });

  test("formatState prints the name and, except for completed states, the message", () => {
    assert.equal(formatState(Completed(0)), "Completed()");
    assert.equal(formatState(Completed(0, { message: "all good" })), "Completed()");
    assert.equal(formatState(Cached(0, { message: "hit" })), "Cached()");
    assert.equal(formatState(Failed(0, { message: "boom" })), "Failed('boom')");
    assert.equal(formatState(Failed(0)), "Failed()");
    assert.equal(formatState(TimedOut(0, { message: "took 5s" })), "TimedOut('took 5s')");
    assert.equal(formatState(Crashed(0, { message: "Error: oom" })), "Crashed('Error: oom')");
    assert.equal(formatState(Cancelled(0, { message: "by ana" })), "Cancelled('by ana')");
    assert.equal(formatState(AwaitingRetry(0, { scheduledTime: 5 })), "AwaitingRetry()");
    assert.equal(formatState(AwaitingRetry(0, { message: "flaky" })), "AwaitingRetry('flaky')");
    assert.equal(formatState(Late(0)), "Late()");
    assert.equal(formatState(Suspended(0)), "Suspended()");
    assert.equal(formatState(AwaitingConcurrencySlot(0)), "AwaitingConcurrencySlot()");
    assert.equal(formatState(Retrying(0)), "Retrying()");
    assert.equal(formatState(Running(0, { message: "" })), "Running('')");
  });
});
