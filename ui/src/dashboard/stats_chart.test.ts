import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  axisLabels,
  bucketLabel,
  chartBars,
  niceMax,
  windowAt,
  windowFromSearch,
} from "./stats_chart.ts";

const HOUR = 3_600_000;

describe("the dashboard's windows", () => {
  it("end with the bucket that holds now, on the local clock", () => {
    const now = new Date(2026, 10, 28, 14, 37, 12).getTime();
    const day = windowAt("24h", now);
    assert.equal(day.until, new Date(2026, 10, 28, 15).getTime());
    assert.equal(day.until - day.since, 24 * HOUR);
    const hour = windowAt("1h", now);
    assert.equal(hour.until, new Date(2026, 10, 28, 14, 40).getTime());
    assert.equal(hour.until - hour.since, HOUR);
    const week = windowAt("7d", now);
    assert.equal(week.until, new Date(2026, 10, 28, 18).getTime());
    assert.equal(week.until - week.since, 7 * 24 * HOUR);
  });

  it("are read from the query string, 24 hours by default", () => {
    assert.equal(windowFromSearch("?window=7d"), "7d");
    assert.equal(windowFromSearch("?window=1h"), "1h");
    assert.equal(windowFromSearch(""), "24h");
    assert.equal(windowFromSearch("?window=toString"), "24h");
  });
});

describe("chartBars", () => {
  it("stacks each bucket's counts in a fixed order and scales to a round maximum", () => {
    const start = new Date(2026, 10, 28, 9).getTime();
    const stats = {
      bucketMs: HOUR,
      buckets: [
        { start, end: start + HOUR, total: 4, counts: { FAILED: 1, COMPLETED: 3 } },
        { start: start + HOUR, end: start + 2 * HOUR, total: 0, counts: {} },
        { start: start + 2 * HOUR, end: start + 3 * HOUR, total: 7, counts: { SCHEDULED: 7 } },
      ],
    };
    const { bars, max } = chartBars(stats);
    assert.equal(max, 10);
    assert.deepEqual(bars[0]?.parts, [
      { type: "COMPLETED", from: 0, to: 3 },
      { type: "FAILED", from: 3, to: 4 },
    ]);
    assert.equal(bars[0]?.title, "09:00–10:00: 4 runs (1 Failed, 3 Completed)");
    assert.deepEqual(bars[1]?.parts, []);
    assert.equal(bars[1]?.title, "10:00–11:00: no runs");
    assert.equal(bars[2]?.total, 7);
    assert.deepEqual(
      axisLabels(stats, 2).map((l) => [l.index, l.label]),
      [
        [0, "09:00"],
        [2, "11:00"],
      ],
    );
  });

  it("rounds the scale up to 1, 2 or 5 times a power of ten", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 7, 10, 11, 49, 51, 999].map(niceMax),
      [1, 1, 2, 5, 10, 10, 20, 50, 100, 1000],
    );
  });

  it("labels midnight with the date when buckets are hours or longer", () => {
    assert.equal(bucketLabel(new Date(2026, 10, 28).getTime(), HOUR), "Nov 28");
    assert.equal(bucketLabel(new Date(2026, 10, 28).getTime(), 300_000), "00:00");
    assert.equal(bucketLabel(new Date(2026, 10, 28, 6).getTime(), 6 * HOUR), "06:00");
  });
});
