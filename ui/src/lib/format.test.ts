import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StateType } from "../api/types.ts";
import {
  formatDuration,
  formatRelative,
  formatTime,
  isFinalType,
  prettyJson,
  runDuration,
  runningTime,
  STATE_TYPES,
  stateClass,
  stateColor,
  stateTypeLabel,
} from "./format.ts";

describe("formatDuration", () => {
  it("reads like Prefect's durations at every scale", () => {
    const cases: [number, string][] = [
      [0, "0ms"],
      [7, "7ms"],
      [350, "0.35s"],
      [1000, "1.0s"],
      [4_250, "4.3s"],
      [12_900, "12s"],
      [59_999, "59s"],
      [60_000, "1m 0s"],
      [185_000, "3m 5s"],
      [3_600_000, "1h 0m"],
      [3_720_000, "1h 2m"],
      [86_400_000 + 3 * 3_600_000, "1d 3h"],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
  });
  it("shows a dash for what is not a duration", () => {
    assert.equal(formatDuration(-1), "—");
    assert.equal(formatDuration(Number.NaN), "—");
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), "—");
  });
});

describe("runDuration", () => {
  it("runs from start to end, or to now while running, and is null before the start", () => {
    assert.equal(runDuration(1000, 4000, 9000), 3000);
    assert.equal(runDuration(1000, null, 9000), 8000);
    assert.equal(runDuration(null, 4000, 9000), null);
    assert.equal(runDuration(undefined, undefined, 9000), null);
    assert.equal(runDuration(5000, null, 4000), 0);
  });
});

describe("runningTime", () => {
  const at = (type: StateType, timestamp: number) => ({ type, timestamp });
  it("counts only the time a run spent running, not the wait before its retry", () => {
    const history = [
      at("PENDING", 0),
      at("RUNNING", 1_000),
      at("SCHEDULED", 3_000), // AwaitingRetry: an hour of waiting
      at("RUNNING", 3_603_000), // Retrying
      at("COMPLETED", 3_606_000),
    ];
    assert.equal(runningTime(history, 9_999_999), 2_000 + 3_000);
  });
  it("counts the open span to now while running, and skips suspended spans", () => {
    const history = [
      at("RUNNING", 1_000),
      at("PAUSED", 2_000), // Suspended, waiting for an event
      at("RUNNING", 60_000),
    ];
    assert.equal(runningTime(history, 61_500), 1_000 + 1_500);
  });
  it("is null for a run that never ran", () => {
    assert.equal(runningTime([at("SCHEDULED", 0)], 5_000), null);
    assert.equal(runningTime([], 5_000), null);
  });
});

describe("formatTime and formatRelative", () => {
  it("formats local time sortably, with milliseconds on demand", () => {
    const at = new Date(2026, 10, 24, 3, 4, 5, 67).getTime();
    assert.equal(formatTime(at), "2026-11-24 03:04:05");
    assert.equal(formatTime(at, true), "2026-11-24 03:04:05.067");
    assert.equal(formatTime(null), "—");
  });
  it("says how long ago, or how long until", () => {
    const now = 10_000_000;
    assert.equal(formatRelative(now - 500, now), "just now");
    assert.equal(formatRelative(now - 5_000, now), "5s ago");
    assert.equal(formatRelative(now - 65_000, now), "1m ago");
    assert.equal(formatRelative(now - 2 * 3_600_000, now), "2h ago");
    assert.equal(formatRelative(now - 3 * 86_400_000, now), "3d ago");
    assert.equal(formatRelative(now + 90_000, now), "in 1m");
  });
});

describe("states", () => {
  it("has Prefect's nine state types, four of them final", () => {
    assert.deepEqual(STATE_TYPES.length, 9);
    assert.deepEqual(
      STATE_TYPES.filter((t) => isFinalType(t)),
      ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"],
    );
    assert.equal(isFinalType(undefined), false);
    assert.equal(isFinalType(null), false);
  });
  it("labels, classes and colours every type, and falls back for an unknown one", () => {
    assert.equal(stateTypeLabel("CANCELLING"), "Cancelling");
    assert.equal(stateClass("FAILED"), "state-failed");
    assert.equal(stateClass("SOMETHING_NEW"), "state-pending");
    assert.equal(stateClass(undefined), "state-pending");
    const colours = new Set(STATE_TYPES.map((t) => stateColor(t)));
    assert.ok(colours.size >= 7, "states are told apart by colour");
    assert.equal(stateColor("COMPLETED"), "#2ac769");
    assert.equal(stateColor("FAILED"), "#fb4e4e");
    assert.equal(stateColor("nope"), stateColor("PENDING"));
  });
});

describe("prettyJson", () => {
  it("pretty-prints, cuts long text with a note, and survives cycles", () => {
    assert.equal(prettyJson({ a: 1 }), '{\n  "a": 1\n}');
    assert.equal(prettyJson(null), "null");
    assert.equal(prettyJson(undefined), "undefined");
    const long = prettyJson("x".repeat(100), 10);
    assert.match(long, /^"xxxxxxxxx\n… 92 more characters$/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.equal(prettyJson(cycle), "[object Object]");
  });
});
