/**
 * The scheduler's tick, every minute from the Worker's Cron Trigger (and on demand: POST
 * /api/scheduler/tick, `weir scheduler tick`). It reads only the schedules that are due (one
 * indexed D1 query on `due_at`), creates their coming runs as Scheduled runs through each
 * run's Durable Object, in parallel, then moves each schedule's horizon (`scheduled_until`)
 * and next `due_at` in one D1 batch. A run's id derives from its deployment, schedule and time
 * and its object's `create` is idempotent, so a tick that runs twice, or two at once, create
 * nothing twice. Before that it pokes late runs (late.ts).
 *
 * A schedule row changed while the tick worked on it (paused, edited: its `updated_at` moved)
 * keeps the change: the tick's update is conditional on `updated_at`, and the runs the tick
 * created for the old row are discarded again.
 *
 * @module
 */

import type { ScheduleSpec } from "../../protocol/deployment.ts";
import type { RunSlot } from "../../runtime/limits/port.ts";
import { deploymentSlots } from "../deployments/run_slots.ts";
import { collisionStrategyOf } from "../deployments/store.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { runObject } from "../rpc.ts";
import { startOptionsOf } from "../start_options.ts";
import { catchUpPolicyOf } from "./catch_up.ts";
import { planSchedule } from "./horizon.ts";
import { pokeLateRuns } from "./late.ts";
import { scheduleProblem } from "./schedule_times.ts";
import { scheduledRunId } from "./scheduled_run_id.ts";

/** The most due schedules one tick reads (the rest stay due for the next tick). */
export const SCHEDULES_PER_TICK = 500;

/**
 * The most runs one tick creates. Each is a call to a Durable Object, a subrequest, and an
 * invocation may make 1,000: a first tick of many minutely schedules (60 runs each) spreads
 * over several ticks, each schedule's horizon growing from where the last one stopped.
 */
export const RUNS_PER_TICK = 800;

/** How many runs' objects are being created at once. */
const IN_FLIGHT = 32;

/** A schedule of a flow this Worker does not have is read again this much later. */
export const UNKNOWN_FLOW_RETRY_MS = 10 * 60_000;

/**
 * What a tick did.
 *
 * @example
 * ```ts
 * const { runsCreated, lateMarked } = await runSchedulerTick(env, registry, Date.now());
 * ```
 */
export interface SchedulerTickSummary {
  /** The tick's time, epoch ms. */
  readonly at: number;
  /** Schedules read because they were due. */
  readonly schedulesDue: number;
  /** Runs created. */
  readonly runsCreated: number;
  /** Runs that already existed (another tick created them). */
  readonly runsExisting: number;
  /** Of the runs created, those for missed times the catch-up policies kept. */
  readonly catchUpRuns: number;
  /** Runs marked Late. */
  readonly lateMarked: number;
  /** Runs created and then discarded again because their schedule changed meanwhile. */
  readonly runsDiscarded: number;
  /** Schedules that could not be scheduled, and why. */
  readonly problems: readonly { readonly scheduleId: string; readonly message: string }[];
  /** Wall time of the tick, ms (on Workers, time moves only across I/O). */
  readonly durationMs: number;
}

interface DueRow {
  readonly id: string;
  readonly deploymentId: string;
  readonly spec: string;
  readonly active: number;
  readonly scheduledUntil: number | null;
  readonly updatedAt: number;
  readonly flowName: string;
  readonly parameters: string;
  readonly tags: string;
  readonly catchUp: string;
  readonly paused: number;
  readonly concurrencyLimit: number | null;
  readonly collisionStrategy: string;
  readonly concurrencyKey: string | null;
}

/** What the tick does to one schedule row. */
interface RowUpdate {
  readonly row: DueRow;
  readonly scheduledUntil: number | null;
  readonly dueAt: number | null;
  /** Ids of runs this tick created for the row. */
  readonly created: string[];
}

interface Job {
  readonly update: RowUpdate & { failed: boolean };
  readonly at: number;
  readonly catchUp: boolean;
}

/**
 * Runs one tick at `nowMs`: pokes late runs, then creates the due schedules' runs.
 *
 * @example
 * ```ts
 * ctx.waitUntil(runSchedulerTick(env, registry, controller.scheduledTime));
 * ```
 */
export async function runSchedulerTick(
  env: WeirEnv,
  registry: FlowRegistry,
  nowMs: number,
): Promise<SchedulerTickSummary> {
  const started = Date.now();
  const late = await pokeLateRuns(env, nowMs);
  const { results: rows } = await env.DB.prepare(
    `SELECT s.id, s.deployment_id AS deploymentId, s.spec, s.active,
       s.scheduled_until AS scheduledUntil, s.updated_at AS updatedAt, d.flow_name AS flowName,
       d.parameters, d.tags, d.catch_up AS catchUp, d.paused,
       d.concurrency_limit AS concurrencyLimit, d.collision_strategy AS collisionStrategy,
       d.concurrency_key AS concurrencyKey
     FROM deployment_schedules s JOIN deployments d ON d.id = s.deployment_id
     WHERE s.due_at IS NOT NULL AND s.due_at <= ? ORDER BY s.due_at LIMIT ?`,
  )
    .bind(nowMs, SCHEDULES_PER_TICK)
    .all<DueRow>();

  const problems: { scheduleId: string; message: string }[] = [];
  const updates: (RowUpdate & { failed: boolean })[] = [];
  const jobs: Job[] = [];
  let budget = RUNS_PER_TICK;
  for (const row of rows) {
    if (row.active === 0 || row.paused !== 0) {
      // Not live: due never, until it is made live again (which makes it due).
      updates.push({
        row,
        scheduledUntil: row.scheduledUntil,
        dueAt: null,
        created: [],
        failed: false,
      });
      continue;
    }
    if (registry.get(row.flowName) === undefined) {
      problems.push({
        scheduleId: row.id,
        message: `This Worker has no flow named '${row.flowName}'; schedule '${row.id}' of deployment '${row.deploymentId}' waits for it`,
      });
      updates.push({
        row,
        scheduledUntil: row.scheduledUntil,
        dueAt: nowMs + UNKNOWN_FLOW_RETRY_MS,
        created: [],
        failed: false,
      });
      continue;
    }
    let spec: ScheduleSpec;
    try {
      spec = JSON.parse(row.spec) as ScheduleSpec;
    } catch {
      spec = {} as ScheduleSpec;
    }
    const problem = scheduleProblem(spec);
    if (problem !== undefined) {
      problems.push({
        scheduleId: row.id,
        message: `Schedule '${row.id}' of deployment '${row.deploymentId}' is not valid (${problem.field}: ${problem.message}); it is not scheduled until it is changed`,
      });
      updates.push({
        row,
        scheduledUntil: row.scheduledUntil,
        dueAt: null,
        created: [],
        failed: false,
      });
      continue;
    }
    if (budget === 0) break; // still due: the next tick goes on
    const plan = planSchedule(
      { spec, scheduledUntil: row.scheduledUntil, catchUp: catchUpPolicyOf(row.catchUp) },
      nowMs,
    );
    const times = plan.times.slice(0, budget);
    budget -= times.length;
    const complete = times.length === plan.times.length;
    const update = {
      row,
      // Cut short by the budget: up to the last time created, and due again at once.
      scheduledUntil: complete
        ? plan.scheduledUntil
        : Math.max(row.scheduledUntil ?? 0, times[times.length - 1] ?? 0),
      dueAt: complete ? plan.dueAt : nowMs,
      created: [],
      failed: false,
    };
    updates.push(update);
    times.forEach((at, i) => {
      jobs.push({ update, at, catchUp: i < plan.catchUp });
    });
  }

  let runsCreated = 0;
  let runsExisting = 0;
  let catchUpRuns = 0;
  const start = startOptionsOf(env);
  await pool(jobs, IN_FLIGHT, async (job) => {
    const { row } = job.update;
    try {
      const runId = await scheduledRunId(row.deploymentId, row.id, job.at);
      const params = JSON.parse(row.parameters) as Record<string, unknown>;
      const slots = slotsOf(row, params);
      const { created } = await runObject(env, runId).create({
        runId,
        flowName: row.flowName,
        // Validated when the deployment was stored; the run validates them again as it starts.
        params,
        tags: JSON.parse(row.tags) as string[],
        scheduledAt: job.at,
        deploymentId: row.deploymentId,
        scheduleId: row.id,
        ...start,
        ...(slots.length === 0 ? {} : { slots }),
      });
      if (created) {
        runsCreated++;
        if (job.catchUp) catchUpRuns++;
        job.update.created.push(runId);
      } else runsExisting++;
    } catch (error) {
      // The row is left due, so the next tick tries again (creating the others is idempotent).
      if (!job.update.failed) {
        problems.push({
          scheduleId: row.id,
          message: `Creating a run of schedule '${row.id}' for ${new Date(job.at).toISOString()} failed: ${String(error)}; the next tick tries again`,
        });
      }
      job.update.failed = true;
    }
  });

  const written = updates.filter((u) => !u.failed);
  let runsDiscarded = 0;
  if (written.length > 0) {
    const answers = await env.DB.batch(
      written.map((u) =>
        env.DB.prepare(
          `UPDATE deployment_schedules SET due_at = ?,
             scheduled_until = CASE WHEN ? IS NULL THEN scheduled_until
               WHEN scheduled_until IS NULL OR scheduled_until < ? THEN ? ELSE scheduled_until END
           WHERE id = ? AND updated_at = ?`,
        ).bind(
          u.dueAt,
          u.scheduledUntil,
          u.scheduledUntil,
          u.scheduledUntil,
          u.row.id,
          u.row.updatedAt,
        ),
      ),
    );
    // A row changed meanwhile (paused, edited, deleted): its change wins, and what this tick
    // created from the old row goes (the change's own discard may have run before).
    const stale = written.filter((_, i) => (answers[i]?.meta.changes ?? 0) === 0);
    const ids = stale.flatMap((u) => u.created);
    await pool(ids, IN_FLIGHT, async (id) => {
      const answer = await runObject(env, id).discard();
      if (answer.discarded) runsDiscarded++;
    });
  }
  return {
    at: nowMs,
    schedulesDue: rows.length,
    runsCreated,
    runsExisting,
    catchUpRuns,
    lateMarked: late.marked,
    runsDiscarded,
    problems,
    durationMs: Date.now() - started,
  };
}

/**
 * The slot of a due row's deployment limit; throws when its key's value is missing from the
 * defaults (the row stays due and the problem is reported, rather than a run escaping it).
 */
function slotsOf(row: DueRow, params: Record<string, unknown>): readonly RunSlot[] {
  const slots = deploymentSlots(
    {
      id: row.deploymentId,
      concurrencyLimit: row.concurrencyLimit,
      collisionStrategy: collisionStrategyOf(row.collisionStrategy),
      concurrencyKey: row.concurrencyKey,
    },
    params,
  );
  if (Array.isArray(slots)) return slots;
  throw new Error(`${slots.field}: ${slots.message}; give it a default in the deployment`);
}

/** Runs `work` on every item, at most `limit` at once. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
