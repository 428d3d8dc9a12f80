// The scheduler's tick and the run objects it creates, driven deterministically: the tick is
// called with an explicit `now` while the clock the objects read is faked to the same moment
// (a day ahead of workerd's, so no alarm fires by itself; see helpers.ts), and alarms are fired
// with runDurableObjectAlarm. Deployments and schedules are rows written straight into D1.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { CatchUpPolicy, ScheduleSpec } from "../../protocol/deployment.ts";
import { FlowRegistry } from "../registry.ts";
import { discardScheduledRuns } from "../scheduler/discard.ts";
import { scheduledRunId } from "../scheduler/scheduled_run_id.ts";
import { runSchedulerTick } from "../scheduler/tick.ts";
import {
  alarmOf,
  api,
  drive,
  fireAlarm,
  getRun,
  json,
  post,
  states,
  stubOf,
  tablesOf,
  testEnv,
  useFakeTime,
} from "./helpers.ts";
import { testFlows } from "./test_flows.ts";

const clock = useFakeTime();
const registry = new FlowRegistry(testFlows);
const MINUTE = 60_000;
const HOUR = 3_600_000;

let made: string[] = [];
afterEach(async () => {
  // Each test's runs go, so a later test's late pass does not meet them.
  for (const deploymentId of made) {
    await discardScheduledRuns(testEnv, { deploymentId });
    await testEnv.DB.batch([
      testEnv.DB.prepare("DELETE FROM deployment_schedules WHERE deployment_id = ?").bind(
        deploymentId,
      ),
      testEnv.DB.prepare("DELETE FROM deployments WHERE id = ?").bind(deploymentId),
    ]);
  }
  made = [];
});

/** A moment on an hour boundary, ahead of the (fake) clock, which it sets. */
function startOfHour(): number {
  const at = Math.ceil((Date.now() + 1) / HOUR) * HOUR;
  clock.set(at);
  return at;
}

/** Writes a deployment of the `sum` flow with one schedule per spec; returns their ids. */
async function deploy(
  specs: readonly ScheduleSpec[],
  options: { catchUp?: CatchUpPolicy; scheduledUntil?: number; now?: number } = {},
): Promise<{ deploymentId: string; scheduleIds: string[] }> {
  const now = options.now ?? Date.now();
  const deploymentId = crypto.randomUUID();
  made.push(deploymentId);
  const scheduleIds = specs.map(() => crypto.randomUUID());
  await testEnv.DB.batch([
    testEnv.DB.prepare(
      `INSERT INTO deployments (id, flow_name, name, tags, parameters, paused, catch_up, source,
         created_at, updated_at) VALUES (?, 'sum', ?, '["nightly"]', '{"n":2}', 0, ?, 'api', ?, ?)`,
    ).bind(deploymentId, `d-${deploymentId}`, options.catchUp ?? "skip", now, now),
    ...specs.map((spec, i) =>
      testEnv.DB.prepare(
        `INSERT INTO deployment_schedules (id, deployment_id, position, spec, active,
           scheduled_until, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      ).bind(
        scheduleIds[i],
        deploymentId,
        i,
        JSON.stringify(spec),
        options.scheduledUntil ?? null,
        options.scheduledUntil ?? now,
        now,
        now,
      ),
    ),
  ]);
  return { deploymentId, scheduleIds };
}

interface IndexRow {
  id: string;
  scheduled_at: number;
  state_type: string;
  state_name: string;
  schedule_id: string;
  tags: string;
}

async function runsOf(deploymentId: string): Promise<IndexRow[]> {
  const { results } = await testEnv.DB.prepare(
    `SELECT id, scheduled_at, state_type, state_name, schedule_id, tags FROM runs
     WHERE deployment_id = ? ORDER BY scheduled_at, id`,
  )
    .bind(deploymentId)
    .all<IndexRow>();
  return results;
}

async function scheduleRow(id: string): Promise<{ scheduled_until: number; due_at: number }> {
  const row = await testEnv.DB.prepare(
    "SELECT scheduled_until, due_at FROM deployment_schedules WHERE id = ?",
  )
    .bind(id)
    .first<{ scheduled_until: number; due_at: number }>();
  if (row === null) throw new Error(`No schedule ${id}`);
  return row;
}

describe("the tick", { timeout: 30_000 }, () => {
  it("creates an hourly schedule's next 3 runs as Scheduled runs with the deployment's defaults", async () => {
    const now = startOfHour();
    const { deploymentId, scheduleIds } = await deploy([{ interval: 3600 }]);
    const summary = await runSchedulerTick(testEnv, registry, now);
    expect(summary).toMatchObject({ schedulesDue: 1, runsCreated: 3, runsExisting: 0 });
    const rows = await runsOf(deploymentId);
    expect(rows.map((r) => r.scheduled_at)).toEqual([now + HOUR, now + 2 * HOUR, now + 3 * HOUR]);
    for (const row of rows) {
      expect(row).toMatchObject({
        state_type: "SCHEDULED",
        state_name: "Scheduled",
        schedule_id: scheduleIds[0],
      });
      expect(row.id).toBe(
        await scheduledRunId(deploymentId, scheduleIds[0] as string, row.scheduled_at),
      );
      expect(await alarmOf(row.id)).toBe(row.scheduled_at);
    }
    const run = await getRun(rows[0]?.id as string);
    expect(run.parameters).toEqual({ n: 2 });
    expect(run.deploymentId).toBe(deploymentId);
    expect(run.scheduleId).toBe(scheduleIds[0]);
    expect(run.tags).toContain("nightly");
    // The horizon moved, and the schedule is not read again for an hour.
    expect(await scheduleRow(scheduleIds[0] as string)).toEqual({
      scheduled_until: now + 3 * HOUR,
      due_at: now + HOUR,
    });
    const idle = await runSchedulerTick(testEnv, registry, now + 30 * MINUTE);
    expect(idle.schedulesDue).toBe(0);
    // Its alarm starts the run at its time, on time: never Late.
    clock.set(now + HOUR);
    const done = await drive(rows[0]?.id as string);
    expect(done.state.type).toBe("COMPLETED");
    expect(states(done.stateHistory)).toEqual([
      "SCHEDULED/Scheduled",
      "RUNNING/Running",
      "COMPLETED/Completed",
    ]);
    expect(done.result).toBe(3);
    // An hour on, one more run keeps 3 ahead.
    const next = await runSchedulerTick(testEnv, registry, now + HOUR);
    expect(next).toMatchObject({ schedulesDue: 1, runsCreated: 1 });
  });

  it("a tick that runs twice creates nothing twice", async () => {
    const now = startOfHour();
    const { deploymentId, scheduleIds } = await deploy([{ cron: "* * * * *" }]);
    const first = await runSchedulerTick(testEnv, registry, now);
    expect(first.problems).toEqual([]);
    expect(first.runsCreated).toBe(60);
    // The same tick again, as if its row update had been lost.
    await testEnv.DB.prepare(
      "UPDATE deployment_schedules SET scheduled_until = NULL, due_at = ? WHERE id = ?",
    )
      .bind(now, scheduleIds[0])
      .run();
    const again = await runSchedulerTick(testEnv, registry, now);
    expect(again).toMatchObject({ runsCreated: 0, runsExisting: 60 });
    expect(await runsOf(deploymentId)).toHaveLength(60);
  });

  it("two ticks at once create no duplicate", async () => {
    const now = startOfHour() + 30_000;
    clock.set(now);
    const { deploymentId } = await deploy([{ cron: "* * * * *" }, { interval: 600 }]);
    const [a, b] = await Promise.all([
      runSchedulerTick(testEnv, registry, now),
      runSchedulerTick(testEnv, registry, now),
    ]);
    const rows = await runsOf(deploymentId);
    // 61 minutes and 7 ten-minute times (the first at or past an hour ahead), each created once.
    expect(rows).toHaveLength(61 + 7);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect((a?.runsCreated ?? 0) + (b?.runsCreated ?? 0)).toBe(rows.length);
  });

  it("skips a schedule of a paused deployment and stops reading it", async () => {
    const now = startOfHour();
    const { deploymentId, scheduleIds } = await deploy([{ interval: 3600 }]);
    await testEnv.DB.prepare("UPDATE deployments SET paused = 1 WHERE id = ?")
      .bind(deploymentId)
      .run();
    const summary = await runSchedulerTick(testEnv, registry, now);
    expect(summary).toMatchObject({ schedulesDue: 1, runsCreated: 0 });
    expect((await scheduleRow(scheduleIds[0] as string)).due_at).toBeNull();
    expect(await runsOf(deploymentId)).toEqual([]);
  });

  it("POST /api/scheduler/tick runs the tick and answers what it did", async () => {
    startOfHour();
    const { deploymentId } = await deploy([{ interval: 3600 }]);
    const res = await post("/api/scheduler/tick");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ schedulesDue: 1, runsCreated: 3, problems: [] });
    expect(await runsOf(deploymentId)).toHaveLength(3);
  });
});

describe("late runs", () => {
  it("a run that starts more than 15 s after its time shows Late before Running", async () => {
    const now = startOfHour();
    const { deploymentId } = await deploy([{ interval: 3600 }]);
    await runSchedulerTick(testEnv, registry, now);
    const [first] = await runsOf(deploymentId);
    clock.set(now + HOUR + 20_000);
    const done = await drive(first?.id as string);
    expect(states(done.stateHistory)).toEqual([
      "SCHEDULED/Scheduled",
      "SCHEDULED/Late",
      "RUNNING/Running",
      "COMPLETED/Completed",
    ]);
  });

  it("the tick marks a run still Scheduled 15 s after its time Late and starts it", async () => {
    const now = startOfHour();
    const { deploymentId } = await deploy([{ interval: 3600 }]);
    await runSchedulerTick(testEnv, registry, now);
    const [first, second] = await runsOf(deploymentId);
    const id = first?.id as string;
    // Its alarm was lost.
    await stubOf(id).markLate(); // not late yet: nothing happens
    expect((await getRun(id)).state.name).toBe("Scheduled");
    await runInDurableObject(stubOf(id), (_o, state) => state.storage.deleteAlarm());
    // 10 s after its time: not Late yet.
    clock.set(now + HOUR + 10_000);
    expect((await runSchedulerTick(testEnv, registry, now + HOUR + 10_000)).lateMarked).toBe(0);
    clock.set(now + HOUR + 16_000);
    const summary = await runSchedulerTick(testEnv, registry, now + HOUR + 16_000);
    expect(summary.lateMarked).toBe(1);
    expect((await runsOf(deploymentId))[0]).toMatchObject({ id, state_name: "Late" });
    expect(await alarmOf(id)).toBe(now + HOUR + 16_000);
    const done = await drive(id);
    expect(states(done.stateHistory)).toEqual([
      "SCHEDULED/Scheduled",
      "SCHEDULED/Late",
      "RUNNING/Running",
      "COMPLETED/Completed",
    ]);
    // Marked once: the next tick leaves it alone, and the second run is not late.
    const later = await runSchedulerTick(testEnv, registry, now + HOUR + 30_000);
    expect(later.lateMarked).toBe(0);
    expect((await getRun(second?.id as string)).state.name).toBe("Scheduled");
  });
});

describe("catch-up after downtime", { timeout: 30_000 }, () => {
  // A minutely schedule created at `now`; the scheduler is then down for ten and a half
  // minutes. Runs at +1..+9 min are missed (more than 60 s late); +10 min is late, not missed.
  async function afterDowntime(catchUp: CatchUpPolicy) {
    const now = startOfHour();
    const { deploymentId } = await deploy([{ cron: "* * * * *" }], { catchUp });
    await runSchedulerTick(testEnv, registry, now);
    const rows = (await runsOf(deploymentId)).slice(0, 10);
    clock.set(now + 10 * MINUTE + 30_000);
    const outcome: string[] = [];
    for (const row of rows) {
      const run = await drive(row.id);
      outcome.push(run.state.name);
    }
    return outcome;
  }

  it("skip: the pre-created missed runs are Skipped, the late one runs", async () => {
    const outcome = await afterDowntime("skip");
    expect(outcome).toEqual([...Array(9).fill("Skipped"), "Completed"]);
  });

  it("latest: only the most recent missed run runs", async () => {
    const outcome = await afterDowntime("latest");
    expect(outcome).toEqual([...Array(8).fill("Skipped"), "Completed", "Completed"]);
  });

  it("all: every missed run runs", async () => {
    const outcome = await afterDowntime("all");
    expect(outcome).toEqual(Array(10).fill("Completed"));
  });

  it("a Skipped run says why, in a CANCELLED state", async () => {
    const now = startOfHour();
    const { deploymentId } = await deploy([{ interval: 3600 }], { catchUp: "skip" });
    await runSchedulerTick(testEnv, registry, now);
    const [first] = await runsOf(deploymentId);
    clock.set(now + 2 * HOUR);
    const run = await drive(first?.id as string);
    expect(run.state).toMatchObject({ type: "CANCELLED", name: "Skipped" });
    expect(run.state.message).toMatch(/scheduler was down.*catch-up policy is 'skip'/);
    expect(states(run.stateHistory)).toEqual([
      "SCHEDULED/Scheduled",
      "SCHEDULED/Late",
      "CANCELLED/Skipped",
    ]);
    expect(run.steps).toEqual([]);
    expect((await runsOf(deploymentId))[0]?.state_name).toBe("Skipped");
  });

  // The horizon ran out ten minutes ago (the Worker was off): the tick meets the missed times.
  async function tickAfterDowntime(catchUp: CatchUpPolicy) {
    const at = startOfHour();
    const now = at + 30_000;
    clock.set(now);
    const { deploymentId } = await deploy([{ cron: "* * * * *" }], {
      catchUp,
      scheduledUntil: at - 10 * MINUTE,
    });
    const summary = await runSchedulerTick(testEnv, registry, now);
    const past = (await runsOf(deploymentId)).filter((r) => r.scheduled_at <= now);
    return { at, summary, past };
  }

  it("the tick, skip: no missed time is created; the late one is", async () => {
    const { at, summary, past } = await tickAfterDowntime("skip");
    expect(summary).toMatchObject({ catchUpRuns: 0, runsCreated: 1 + 61 });
    expect(past.map((r) => r.scheduled_at)).toEqual([at]);
  });

  it("the tick, latest: the most recent missed time is created and runs", async () => {
    const { at, summary, past } = await tickAfterDowntime("latest");
    expect(summary).toMatchObject({ catchUpRuns: 1, runsCreated: 2 + 61 });
    expect(past.map((r) => r.scheduled_at)).toEqual([at - MINUTE, at]);
    const run = await drive(past[0]?.id as string);
    expect(states(run.stateHistory)).toEqual([
      "SCHEDULED/Scheduled",
      "SCHEDULED/Late",
      "RUNNING/Running",
      "COMPLETED/Completed",
    ]);
  });

  it("the tick, all: every missed time is created", async () => {
    const { at, summary, past } = await tickAfterDowntime("all");
    expect(summary).toMatchObject({ catchUpRuns: 9, runsCreated: 10 + 61 });
    expect(past.map((r) => r.scheduled_at)).toEqual(
      Array.from({ length: 10 }, (_, i) => at - 9 * MINUTE + i * MINUTE),
    );
    for (const row of past) expect((await drive(row.id)).state.name).toBe("Completed");
  });
});

describe("discarding scheduled runs", () => {
  it("deletes only the unstarted runs of the schedule asked for", async () => {
    const now = startOfHour();
    const mine = await deploy([{ interval: 3600 }, { interval: 1800 }]);
    const other = await deploy([{ interval: 3600 }]);
    await runSchedulerTick(testEnv, registry, now);
    const [s1, s2] = mine.scheduleIds as [string, string];
    const ofS1 = (await runsOf(mine.deploymentId)).filter((r) => r.schedule_id === s1);
    expect(ofS1).toHaveLength(3);
    // The first run of s1 starts (and finishes).
    clock.set(now + HOUR);
    const started = ofS1[0]?.id as string;
    await fireAlarm(started);
    const result = await discardScheduledRuns(testEnv, {
      deploymentId: mine.deploymentId,
      scheduleId: s1,
    });
    expect(result).toEqual({ discarded: 2, kept: 0 });
    const left = await runsOf(mine.deploymentId);
    expect(left.filter((r) => r.schedule_id === s1).map((r) => r.id)).toEqual([started]);
    expect(left.filter((r) => r.schedule_id === s2).length).toBeGreaterThanOrEqual(3);
    for (const gone of ofS1.slice(1)) {
      expect(await tablesOf(gone.id)).toEqual([]);
      expect(await alarmOf(gone.id)).toBeNull();
      expect((await api(`/api/runs/${gone.id}`)).status).toBe(404);
    }
    expect((await getRun(started)).state.type).toBe("COMPLETED");
    expect(await runsOf(other.deploymentId)).toHaveLength(3);
    // The whole deployment: its other schedule's runs go too; the other deployment keeps its.
    const all = await discardScheduledRuns(testEnv, { deploymentId: mine.deploymentId });
    expect(all.discarded).toBeGreaterThanOrEqual(3);
    expect((await runsOf(mine.deploymentId)).map((r) => r.id)).toEqual([started]);
    expect(await runsOf(other.deploymentId)).toHaveLength(3);
  });

  it("a discarded run can be created again by a later tick (pause, then resume)", async () => {
    const now = startOfHour();
    const { deploymentId, scheduleIds } = await deploy([{ interval: 3600 }]);
    await runSchedulerTick(testEnv, registry, now);
    const before = (await runsOf(deploymentId)).map((r) => r.id);
    await discardScheduledRuns(testEnv, { deploymentId });
    expect(await runsOf(deploymentId)).toEqual([]);
    // Resumed: the row is reset, and the next tick schedules from now.
    await testEnv.DB.prepare(
      "UPDATE deployment_schedules SET scheduled_until = NULL, due_at = ?, updated_at = ? WHERE id = ?",
    )
      .bind(now, now + 1, scheduleIds[0])
      .run();
    const summary = await runSchedulerTick(testEnv, registry, now);
    expect(summary.runsCreated).toBe(3);
    expect((await runsOf(deploymentId)).map((r) => r.id)).toEqual(before);
    const run = await getRun(before[0] as string);
    expect(run.state.name).toBe("Scheduled");
  });
});

describe("a schedule changed while the tick works", () => {
  it("keeps the change, and the runs created from the old row are discarded", async () => {
    const now = startOfHour();
    const { deploymentId, scheduleIds } = await deploy([{ interval: 3600 }]);
    // The schedule is edited while the tick creates its runs: a trigger changes the row when
    // the tick's first run reaches the index, after the tick has read the row.
    await testEnv.DB.exec(
      `CREATE TRIGGER edit_during_tick AFTER INSERT ON runs WHEN NEW.deployment_id = '${deploymentId}' BEGIN UPDATE deployment_schedules SET updated_at = updated_at + 1, scheduled_until = NULL WHERE id = '${scheduleIds[0]}'; END`,
    );
    try {
      const summary = await runSchedulerTick(testEnv, registry, now);
      expect(summary).toMatchObject({ runsCreated: 3, runsDiscarded: 3 });
    } finally {
      await testEnv.DB.exec("DROP TRIGGER edit_during_tick");
    }
    // The edit won: its reset stands, and none of the old row's runs is left.
    expect(await runsOf(deploymentId)).toEqual([]);
    expect((await scheduleRow(scheduleIds[0] as string)).scheduled_until).toBeNull();
  });
});
