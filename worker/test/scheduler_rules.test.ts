// The scheduler's pure rules: Prefect's horizon (3 runs and 1 hour ahead, at most 100 runs and
// 100 days), when a schedule is next due, the catch-up policies, and run ids.
import { describe, expect, it } from "vitest";
import { MAX_CATCH_UP_RUNS, MISSED_AFTER_MS } from "../../protocol/deployment.ts";
import { missedRunVerdict, missedTimes, missedToRun } from "../scheduler/catch_up.ts";
import { HORIZON, horizonTimes, nextDueAt, planSchedule } from "../scheduler/horizon.ts";
import { scheduledRunId } from "../scheduler/scheduled_run_id.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday at 00:00 UTC: minute, hour and day boundaries at once. */
const T = Date.UTC(2026, 5, 1);

describe("the horizon (Prefect's rules)", () => {
  it("a minutely schedule: an hour of runs (60), one more when now is mid-minute", () => {
    const at = horizonTimes({ cron: "* * * * *" }, T);
    expect(at).toHaveLength(60);
    expect(at[0]).toBe(T + 60_000);
    expect(at[59]).toBe(T + HOUR);
    expect(horizonTimes({ cron: "* * * * *" }, T + 30_000)).toHaveLength(61);
  });

  it("an hourly schedule: 3 runs (3 h, over the hour)", () => {
    expect(horizonTimes({ interval: 3600 }, T)).toEqual([T + HOUR, T + 2 * HOUR, T + 3 * HOUR]);
    expect(horizonTimes({ cron: "0 * * * *" }, T + 1)).toEqual([
      T + HOUR,
      T + 2 * HOUR,
      T + 3 * HOUR,
    ]);
  });

  it("a daily schedule: 3 runs (3 days)", () => {
    expect(horizonTimes({ cron: "0 0 * * *" }, T)).toEqual([T + DAY, T + 2 * DAY, T + 3 * DAY]);
  });

  it("at most 100 runs, and nothing past 100 days", () => {
    // Every 10 s: an hour would be 360 runs.
    const dense = horizonTimes({ interval: 10 }, T);
    expect(dense).toHaveLength(HORIZON.maxRuns);
    expect(dense[99]).toBe(T + 1_000_000);
    // Yearly on 1 January: the next one is 7 months away, past 100 days.
    expect(horizonTimes({ cron: "0 0 1 1 *" }, T)).toEqual([]);
    // Monthly: 3 months is within 100 days.
    expect(horizonTimes({ cron: "0 0 1 * *" }, T)).toHaveLength(3);
  });

  it("an hourly schedule is due again when only two runs would be left", () => {
    const until = T + 3 * HOUR;
    expect(nextDueAt({ interval: 3600 }, T, until)).toBe(T + HOUR);
  });

  it("a daily schedule is due again a day later, not every minute", () => {
    expect(nextDueAt({ cron: "0 0 * * *" }, T, T + 3 * DAY)).toBe(T + DAY);
  });

  it("a minutely schedule is due at the next tick (it needs a run a minute)", () => {
    expect(nextDueAt({ cron: "* * * * *" }, T, T + HOUR)).toBe(T + 1);
  });

  it("a yearly schedule is due when its next time comes within 100 days", () => {
    const next = Date.UTC(2027, 0, 1);
    expect(nextDueAt({ cron: "0 0 1 1 *" }, T, T)).toBe(next - HORIZON.maxAheadMs);
  });

  it("a schedule with no time left is never due", () => {
    const rrule = "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;COUNT=3";
    expect(nextDueAt({ rrule }, T, T)).toBeNull();
  });
});

describe("planning a schedule", () => {
  it("a first tick schedules from now, nothing in the past", () => {
    const plan = planSchedule(
      { spec: { interval: 3600 }, scheduledUntil: null, catchUp: "all" },
      T,
    );
    expect(plan).toEqual({
      times: [T + HOUR, T + 2 * HOUR, T + 3 * HOUR],
      catchUp: 0,
      scheduledUntil: T + 3 * HOUR,
      dueAt: T + HOUR,
    });
  });

  it("a later tick creates only what is past the horizon", () => {
    const plan = planSchedule(
      { spec: { interval: 3600 }, scheduledUntil: T + 3 * HOUR, catchUp: "skip" },
      T + HOUR,
    );
    expect(plan.times).toEqual([T + 4 * HOUR]);
  });

  // Horizon ended at T - 10 min; now is T + 30 s: T-9min..T-1min are missed, T is late (not
  // missed) and runs whatever the policy, and the next hour is created.
  const downtime = (catchUp: "skip" | "latest" | "all") =>
    planSchedule({ spec: { cron: "* * * * *" }, scheduledUntil: T - 600_000, catchUp }, T + 30_000);

  it("after downtime, skip runs no missed time", () => {
    const plan = downtime("skip");
    expect(plan.catchUp).toBe(0);
    expect(plan.times[0]).toBe(T);
    expect(plan.times).toHaveLength(1 + 61);
  });

  it("after downtime, latest runs the most recent missed time", () => {
    const plan = downtime("latest");
    expect(plan.catchUp).toBe(1);
    expect(plan.times.slice(0, 2)).toEqual([T - 60_000, T]);
  });

  it("after downtime, all runs every missed time", () => {
    const plan = downtime("all");
    expect(plan.catchUp).toBe(9);
    expect(plan.times.slice(0, 10)).toEqual(
      Array.from({ length: 10 }, (_, i) => T - 540_000 + i * 60_000),
    );
  });

  it("a year of downtime on a minutely schedule keeps at most the cap", () => {
    const plan = planSchedule(
      { spec: { cron: "* * * * *" }, scheduledUntil: T - 365 * DAY, catchUp: "all" },
      T,
    );
    expect(plan.catchUp).toBe(MAX_CATCH_UP_RUNS);
    expect(plan.times[MAX_CATCH_UP_RUNS - 1]).toBe(T - MISSED_AFTER_MS);
  });
});

describe("catch-up (one decision for the tick and for a run that wakes late)", () => {
  const missed = [1, 2, 3, 4];
  it("skip runs none, latest the last, all every one up to the cap", () => {
    expect(missedToRun("skip", missed)).toEqual([]);
    expect(missedToRun("latest", missed)).toEqual([4]);
    expect(missedToRun("all", missed)).toEqual(missed);
    const many = Array.from({ length: 250 }, (_, i) => i);
    expect(missedToRun("all", many)).toEqual(many.slice(150));
    expect(missedToRun("latest", [])).toEqual([]);
  });

  it("a run that wakes missed runs or is skipped by the same rule", () => {
    const now = T + HOUR;
    expect(missedRunVerdict("all", T, [T + 60_000], now).run).toBe(true);
    expect(missedRunVerdict("latest", T, [], now).run).toBe(true);
    const later = missedRunVerdict("latest", T, [T + 60_000], now);
    expect(later.run).toBe(false);
    expect(later.message).toMatch(/scheduler was down.*'latest'.*later time/);
    const skip = missedRunVerdict("skip", T, [], now);
    expect(skip.run).toBe(false);
    expect(skip.message).toMatch(/scheduler was down.*'skip'/);
  });

  it("missed times are found walking back, at most `limit`", () => {
    expect(missedTimes({ interval: 60 }, T - 300_000, T, 100)).toEqual([
      T - 240_000,
      T - 180_000,
      T - 120_000,
      T - 60_000,
    ]);
    expect(missedTimes({ interval: 60 }, 0, T, 3)).toEqual([T - 180_000, T - 120_000, T - 60_000]);
  });
});

describe("scheduled run ids", () => {
  it("are the same for the same deployment, schedule and time, and differ otherwise", async () => {
    const a = await scheduledRunId("d1", "s1", T);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await scheduledRunId("d1", "s1", T)).toBe(a);
    expect(await scheduledRunId("d1", "s1", T + 1)).not.toBe(a);
    expect(await scheduledRunId("d1", "s2", T)).not.toBe(a);
    expect(await scheduledRunId("d2", "s1", T)).not.toBe(a);
  });
});
