// GET /api/runs/stats and GET /api/runs/stats/runs: counts by state type per bucket from the
// D1 index, and the failed, late and upcoming lists, for runs this file creates (each test
// tags its runs, so runs of other tests never count). Runs are driven by firing their object's
// alarm under the fake clock (helpers.ts), so the index is written when the test says.
import { describe, expect, it } from "vitest";
import type { RunList, RunStats } from "../../protocol/run_stats.ts";
import {
  api,
  createRun,
  drive,
  expectError,
  json,
  type Run,
  testEnv,
  useFakeTime,
} from "./helpers.ts";

const clock = useFakeTime();

const HOUR = 3_600_000;

/** A fresh tag, so a test counts only its own runs. */
function freshTag(): string {
  return `stats-${crypto.randomUUID()}`;
}

/** The start of the (fake) clock's current hour, and the clock moved 10 minutes into it. */
function startOfHour(): number {
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  clock.set(hour + 10 * 60_000);
  return hour;
}

async function finished(flow: string, body: Record<string, unknown>): Promise<Run> {
  return drive((await createRun(flow, body)).id);
}

/**
 * Puts a row in the run index as a Late run's object would write it. The scheduler marks
 * runs Late (worker/scheduler/late.ts); this tests only how the list reads the index.
 */
async function indexRow(row: {
  id: string;
  flow: string;
  tag: string;
  stateName: string;
  createdAt: number;
  scheduledAt: number;
}): Promise<void> {
  await testEnv.DB.prepare(
    `INSERT INTO runs (id, flow_name, name, state_type, state_name, tags, created_at, updated_at,
      scheduled_at, version) VALUES (?, ?, ?, 'SCHEDULED', ?, ?, ?, ?, ?, 1)`,
  )
    .bind(
      row.id,
      row.flow,
      `late-${row.id.slice(0, 8)}`,
      row.stateName,
      JSON.stringify([row.tag]),
      row.createdAt,
      row.createdAt,
      row.scheduledAt,
    )
    .run();
}

describe("GET /api/runs/stats", () => {
  it("counts the runs by state type in each bucket of their expected start", async () => {
    const tag = freshTag();
    const hour = startOfHour();
    const first = [
      await finished("sum", { parameters: { n: 1 }, tags: [tag] }),
      await finished("sum", { parameters: { n: 2 }, tags: [tag] }),
      await finished("failing", { parameters: { fail: true }, tags: [tag] }),
    ];
    expect(first.map((r) => r.state.type)).toEqual(["COMPLETED", "COMPLETED", "FAILED"]);
    clock.set(hour + HOUR + 5 * 60_000);
    await finished("sum", { parameters: { n: 3 }, tags: [tag, "second"] });
    // Created now, scheduled into the hour after: it counts where it is meant to run.
    const later = await createRun("sum", { tags: [tag], scheduledAt: hour + 2 * HOUR + 60_000 });
    await drive(later.id);
    // Outside the window asked for: counted by the default window, not this one.
    await createRun("sum", { tags: [tag], scheduledAt: hour + 5 * HOUR });

    const stats = await json<RunStats>(
      api(`/api/runs/stats?tag=${tag}&since=${hour}&until=${hour + 3 * HOUR}&bucket=1h`),
    );
    expect(stats).toMatchObject({ since: hour, until: hour + 3 * HOUR, bucketMs: HOUR, count: 5 });
    expect(stats.buckets).toEqual([
      { start: hour, end: hour + HOUR, total: 3, counts: { COMPLETED: 2, FAILED: 1 } },
      { start: hour + HOUR, end: hour + 2 * HOUR, total: 1, counts: { COMPLETED: 1 } },
      { start: hour + 2 * HOUR, end: hour + 3 * HOUR, total: 1, counts: { SCHEDULED: 1 } },
    ]);
    expect(stats.totals).toEqual({
      SCHEDULED: 1,
      PENDING: 0,
      RUNNING: 0,
      PAUSED: 0,
      CANCELLING: 0,
      COMPLETED: 3,
      FAILED: 1,
      CANCELLED: 0,
      CRASHED: 0,
    });
    expect(stats.names).toEqual([
      { type: "COMPLETED", name: "Completed", count: 3 },
      { type: "FAILED", name: "Failed", count: 1 },
      { type: "SCHEDULED", name: "Scheduled", count: 1 },
    ]);

    // Smaller buckets, an ISO `since`, and the filters GET /api/runs has.
    const quarter = await json<RunStats>(
      api(
        `/api/runs/stats?tag=second&flow=sum&since=${new Date(hour + HOUR).toISOString()}&until=${hour + 2 * HOUR}&bucket=15m`,
      ),
    );
    expect(quarter.buckets.map((b) => b.total)).toEqual([1, 0, 0, 0]);
    const none = await json<RunStats>(
      api(`/api/runs/stats?tag=${tag}&flow=gated&since=${hour}&until=${hour + 3 * HOUR}`),
    );
    expect(none.count).toBe(0);
    expect(none.buckets).toHaveLength(3);

    // The default window: the 24 hours before now, in hours; the run 5 hours ahead is after it.
    clock.set(hour + 6 * HOUR);
    const day = await json<RunStats>(api(`/api/runs/stats?tag=${tag}`));
    expect(day.until - day.since).toBe(24 * HOUR);
    expect(day.bucketMs).toBe(HOUR);
    expect(day.buckets).toHaveLength(24);
    expect(day.count).toBe(6);
    expect(day.totals.SCHEDULED).toBe(2);
  });

  it("refuses a bad query with a JSON error naming the field", async () => {
    const now = Date.now();
    const cases: [string, number, string, string][] = [
      [`since=${now}&until=${now}`, 422, "invalid_value", "since"],
      [`since=${now}&until=${now - 1000}`, 422, "invalid_value", "since"],
      [`since=${now - 2 * HOUR}&until=${now}&bucket=1s`, 422, "invalid_value", "bucket"],
      ["bucket=0", 422, "invalid_value", "bucket"],
      ["since=0&until=4102444799000&bucket=1d", 422, "invalid_value", "since"],
      ["until=9999999999999999", 422, "invalid_value", "until"],
      ["bucket=an-hour", 400, "bad_request", "bucket"],
      ["bucket=1w", 400, "bad_request", "bucket"],
      ["since=yesterday", 400, "bad_request", "since"],
      ["until=", 400, "bad_request", "until"],
      ["tag=%00", 422, "invalid_value", "tag"],
    ];
    for (const [query, status, code, field] of cases) {
      const error = await expectError(api(`/api/runs/stats?${query}`), status, code, field);
      expect(error.message, query).toContain(field);
    }
  });
});

describe("GET /api/runs/stats/runs", () => {
  it("lists failed runs latest first, and upcoming runs soonest first", async () => {
    const tag = freshTag();
    const hour = startOfHour();
    const failedEarly = await finished("failing", { parameters: { fail: true }, tags: [tag] });
    await finished("sum", { parameters: { n: 1 }, tags: [tag] });
    clock.advance(60_000);
    const failedLate = await finished("failing", { parameters: { fail: true }, tags: [tag] });
    // Created out of order: the list orders by scheduled time, not by creation.
    const third = await createRun("sum", { tags: [tag], scheduledAt: hour + 3 * HOUR });
    const first = await createRun("sum", { tags: [tag], scheduledAt: hour + HOUR });
    const second = await createRun("sum", { tags: [tag], scheduledAt: hour + 2 * HOUR });
    for (const run of [third, first, second]) await drive(run.id);

    const failed = await json<RunList>(api(`/api/runs/stats/runs?kind=failed&tag=${tag}`));
    expect(failed.kind).toBe("failed");
    expect(failed.count).toBe(2);
    expect(failed.runs.map((r) => r.id)).toEqual([failedLate.id, failedEarly.id]);
    expect(failed.runs[0]).toMatchObject({ flowName: "failing", state: { type: "FAILED" } });

    const upcoming = await json<RunList>(api(`/api/runs/stats/runs?kind=upcoming&tag=${tag}`));
    expect(upcoming.runs.map((r) => r.id)).toEqual([first.id, second.id, third.id]);
    expect(upcoming.runs.map((r) => r.scheduledAt)).toEqual([
      hour + HOUR,
      hour + 2 * HOUR,
      hour + 3 * HOUR,
    ]);
    const two = await json<RunList>(api(`/api/runs/stats/runs?kind=upcoming&tag=${tag}&limit=2`));
    expect(two.runs.map((r) => r.id)).toEqual([first.id, second.id]);
    expect(two.count).toBe(3);
    const window = await json<RunList>(
      api(
        `/api/runs/stats/runs?kind=upcoming&tag=${tag}&since=${hour + HOUR + 1}&until=${hour + 3 * HOUR}`,
      ),
    );
    expect(window.runs.map((r) => r.id)).toEqual([second.id]);
  });

  it("lists Late and overdue runs apart from upcoming ones, the most overdue first", async () => {
    const tag = freshTag();
    const now = Date.now();
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(() => crypto.randomUUID()) as [
      string,
      string,
      string,
      string,
      string,
    ];
    await indexRow({
      id: a,
      flow: "sum",
      tag,
      stateName: "Late",
      createdAt: now - HOUR,
      scheduledAt: now - 60_000,
    });
    await indexRow({
      id: b,
      flow: "sum",
      tag,
      stateName: "Late",
      createdAt: now - HOUR,
      scheduledAt: now - 120_000,
    });
    await indexRow({
      id: c,
      flow: "sum",
      tag,
      stateName: "Scheduled",
      createdAt: now - HOUR,
      scheduledAt: now + HOUR,
    });
    // Still Scheduled 30 s after its time (its object marks it Late when it starts): late.
    await indexRow({
      id: d,
      flow: "sum",
      tag,
      stateName: "Scheduled",
      createdAt: now - HOUR,
      scheduledAt: now - 30_000,
    });
    // 5 s after its time: within the 15 s before a run counts as late, so still upcoming.
    await indexRow({
      id: e,
      flow: "sum",
      tag,
      stateName: "Scheduled",
      createdAt: now - HOUR,
      scheduledAt: now - 5_000,
    });
    const late = await json<RunList>(api(`/api/runs/stats/runs?kind=late&tag=${tag}`));
    expect(late.runs.map((r) => r.id)).toEqual([b, a, d]);
    expect(late.runs[0]?.state).toEqual({ type: "SCHEDULED", name: "Late" });
    const upcoming = await json<RunList>(api(`/api/runs/stats/runs?kind=upcoming&tag=${tag}`));
    expect(upcoming.runs.map((r) => r.id)).toEqual([e, c]);
    const stats = await json<RunStats>(
      api(`/api/runs/stats?tag=${tag}&since=${now - 2 * HOUR}&until=${now + 2 * HOUR}&bucket=1h`),
    );
    expect(stats.names).toEqual([
      { type: "SCHEDULED", name: "Scheduled", count: 3 },
      { type: "SCHEDULED", name: "Late", count: 2 },
    ]);
  });

  it("refuses a bad query with a JSON error naming the field", async () => {
    const cases: [string, number, string, string][] = [
      ["", 400, "bad_request", "kind"],
      ["kind=broken", 400, "bad_request", "kind"],
      ["kind=late&limit=0", 400, "bad_request", "limit"],
      ["kind=late&limit=201", 400, "bad_request", "limit"],
      ["kind=failed&since=2000&until=1000", 422, "invalid_value", "since"],
      ["kind=failed&until=9999999999999999", 422, "invalid_value", "until"],
      ["kind=failed&flow=%E2%80%AE", 422, "invalid_value", "flow"],
    ];
    for (const [query, status, code, field] of cases) {
      await expectError(api(`/api/runs/stats/runs?${query}`), status, code, field);
    }
  });

  it("is in the OpenAPI document, and /api/runs/{id} still answers for run ids", async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(api("/api/openapi.json"));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/runs/stats", "/api/runs/stats/runs", "/api/runs/{id}"]),
    );
    const run = await createRun("sum", { parameters: { n: 1 } });
    const res = await api(`/api/runs/${run.id}`);
    expect(res.status).toBe(200);
  });
});
