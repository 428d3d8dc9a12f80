import assert from "node:assert/strict";
import { test } from "node:test";
import { duration, relativeTime, span, stateText, table, useColor } from "./format.ts";

test("tables align columns and ignore colour codes when measuring", () => {
  const red = stateText({ type: "FAILED", name: "Failed" }, true);
  assert.equal(
    table(
      ["NAME", "STATE", "AGE"],
      [
        ["a", red, "1m ago"],
        ["longer", "Completed", "2s ago"],
      ],
    ),
    `NAME    STATE      AGE\na       ${red}     1m ago\nlonger  Completed  2s ago`,
  );
  assert.equal(table(["A"], []), "A");
});

test("states are coloured only when asked", () => {
  assert.equal(stateText({ type: "COMPLETED", name: "Completed" }, false), "Completed");
  assert.equal(
    stateText({ type: "COMPLETED", name: "Completed" }, true),
    "\u001b[32mCompleted\u001b[0m",
  );
  assert.equal(stateText(null, true), "-");
});

test("colour needs a TTY and no NO_COLOR", () => {
  assert.equal(useColor(true, {}), true);
  assert.equal(useColor(false, {}), false);
  assert.equal(useColor(undefined, {}), false);
  assert.equal(useColor(true, { NO_COLOR: "1" }), false);
  assert.equal(useColor(true, { NO_COLOR: "" }), true);
  assert.equal(useColor(true, { TERM: "dumb" }), false);
});

test("relative times and durations", () => {
  assert.equal(relativeTime(1000, 1500), "just now");
  assert.equal(relativeTime(0, 12_000), "12s ago");
  assert.equal(relativeTime(0, 90_000), "1m ago");
  assert.equal(relativeTime(0, 3 * 3_600_000 + 5), "3h ago");
  assert.equal(relativeTime(0, 2 * 86_400_000), "2d ago");
  assert.equal(relativeTime(300_000, 0), "in 5m");
  assert.equal(relativeTime(null), "-");
  assert.equal(duration(850), "850ms");
  assert.equal(duration(4200), "4.2s");
  assert.equal(duration(192_000), "3m 12s");
  assert.equal(duration(7_500_000), "2h 5m");
  assert.equal(duration(3_600_000), "1h");
  assert.equal(span(1000, 4000), "3.0s");
  assert.equal(span(null, 4000), "-");
});
