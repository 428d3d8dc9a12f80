/**
 * Group commit for the D1 run index. Every run's Durable Object writes its own row (measured: a
 * fresh object writing one row made 635 runs/s, the same plus one D1 write 257/s). Rows an
 * object writes while its batch is in flight wait for it and then go together in the next
 * `D1Database.batch` (the newest version of each run only), and an idle object adds no delay:
 * the first row of a quiet moment is written at once.
 *
 * There is one queue per writer (each run object passes its own `lane` key), so a batch only
 * ever carries rows of the object that sends it and settles only that object's promises. A
 * queue shared by the objects of an isolate was tried: a promise of one object settled from
 * another's context, or a timer cleared from it, fails in workerd ("Cannot perform I/O on
 * behalf of a different Durable Object", I/O types RefcountedFulfiller and Value; seen with
 * the scheduler creating many runs at once in the Worker tests), which left creates hanging
 * ("Promise will never complete").
 *
 * @module
 */

import type { RunSummary } from "./outbox.ts";

/**
 * How long a row waits for a batch before it is written alone. A batch is sent from another
 * request's context; if that context is cancelled (its client went away, its object was reset)
 * its I/O may never settle, and no row may wait on it forever. A row written twice is harmless:
 * the upsert keeps the newest version.
 */
export const STALL_MS = 1_000;

interface Waiting {
  readonly summary: RunSummary;
  /** Settles the writer's promise (once); `error` rejects it. */
  readonly settle: (error?: unknown) => void;
}

/** One binding's queue: rows waiting for the next batch, and the batch in flight. */
interface Lane {
  queue: Waiting[];
  inFlight: Promise<void> | undefined;
}

const lanes = new WeakMap<object, Lane>();

function laneOf(key: object): Lane {
  let lane = lanes.get(key);
  if (lane === undefined) {
    lane = { queue: [], inFlight: undefined };
    lanes.set(key, lane);
  }
  return lane;
}

/** Figures for benchmarks and tests: rows written, and the batches that carried them. */
export const indexWriterStats = { rows: 0, batches: 0 };

const UPSERT = `INSERT INTO runs (id, flow_name, name, deployment_id, schedule_id, parent_run_id,
    state_type, state_name, tags, idempotency_key, created_at, updated_at, scheduled_at,
    started_at, ended_at, version)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, state_type = excluded.state_type,
    state_name = excluded.state_name, tags = excluded.tags, updated_at = excluded.updated_at,
    scheduled_at = excluded.scheduled_at, started_at = excluded.started_at,
    ended_at = excluded.ended_at, version = excluded.version
  WHERE excluded.version > runs.version`;

function upsert(db: D1Database, s: RunSummary): D1PreparedStatement {
  return db
    .prepare(UPSERT)
    .bind(
      s.id,
      s.flowName,
      s.name,
      s.deploymentId,
      s.scheduleId ?? null,
      s.parentRunId,
      s.stateType,
      s.stateName,
      JSON.stringify(s.tags),
      s.idempotencyKey,
      s.createdAt,
      s.updatedAt,
      s.scheduledAt,
      s.startedAt,
      s.endedAt,
      s.version,
    );
}

/**
 * Writes a run's row to the D1 index, sharing a batch with rows the same writer writes at the
 * same moment; resolves once it is committed. An older version never overwrites a newer one.
 * `lane` identifies the writer (one per Durable Object; the binding itself by default, which
 * objects may share).
 *
 * @example
 * ```ts
 * await writeRunSummary(env.DB, summary, this);
 * ```
 */
export async function writeRunSummary(
  db: D1Database,
  summary: RunSummary,
  lane: object = db,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const waiting: Waiting = {
        summary,
        // Called from the context of whichever object sends the batch: it only settles the
        // promise. A timer belongs to the context that set it and clearing it from another
        // throws ("Cannot perform I/O on behalf of a different Durable Object"), which would
        // leave this promise unsettled; the writer clears its own timer below.
        settle(error?: unknown) {
          if (settled) return;
          settled = true;
          if (error === undefined) resolve();
          else reject(error);
        },
      };
      const queue = laneOf(lane);
      timer = setTimeout(() => {
        if (settled) return;
        queue.queue = queue.queue.filter((w) => w !== waiting);
        upsert(db, summary)
          .run()
          .then(
            () => waiting.settle(),
            (error: unknown) => waiting.settle(error ?? new Error("D1 refused the index row")),
          );
      }, STALL_MS);
      queue.queue.push(waiting);
      // The first row of an empty queue leads the next batch, which holds its own row: its
      // writer awaits that batch, so the context that sends it lives until it is committed.
      if (queue.queue.length === 1) void lead(db, queue);
    });
  } finally {
    // In the writer's own context, so no settled row leaves a timer behind.
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Sends the binding's next batch, once the one in flight has settled (or stalled). */
async function lead(db: D1Database, lane: Lane): Promise<void> {
  while (lane.inFlight !== undefined) {
    const current = lane.inFlight;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STALL_MS);
    });
    await Promise.race([current, stalled]);
    // Cleared, so a settled batch leaves no timer behind to keep this object in memory.
    if (timer !== undefined) clearTimeout(timer);
    // A batch that has not settled by now is not waited for again (see STALL_MS).
    if (lane.inFlight === current) lane.inFlight = undefined;
  }
  const batch = lane.queue;
  lane.queue = [];
  const commit = commitBatch(db, batch).finally(() => {
    if (lane.inFlight === commit) lane.inFlight = undefined;
  });
  lane.inFlight = commit;
  await commit;
}

async function commitBatch(db: D1Database, batch: readonly Waiting[]): Promise<void> {
  if (batch.length === 0) return;
  // The newest version of each run only: a run that changed twice while a batch was in flight
  // needs one row.
  const newest = new Map<string, RunSummary>();
  for (const { summary } of batch) {
    const kept = newest.get(summary.id);
    if (kept === undefined || kept.version < summary.version) newest.set(summary.id, summary);
  }
  try {
    const statements = [...newest.values()].map((s) => upsert(db, s));
    await (statements.length === 1
      ? (statements[0] as D1PreparedStatement).run()
      : db.batch(statements));
    indexWriterStats.rows += batch.length;
    indexWriterStats.batches += 1;
    for (const waiting of batch) waiting.settle();
  } catch (error) {
    for (const waiting of batch) waiting.settle(error ?? new Error("D1 refused the index rows"));
  }
}
