/**
 * Group commit for the D1 run index. Every run's Durable Object writes its own row, and one D1
 * statement per write would cap the rate of runs near D1's rate of statements (measured: a
 * fresh object writing one row made 635 runs/s, the same plus one D1 write 257/s). Rows
 * written while a batch is in flight wait for it and then go together in the next
 * `D1Database.batch`, so under load one round trip carries many runs' rows, and an idle system
 * adds no delay: the first row of a quiet moment is written at once.
 *
 * The queue is module state, so it groups the writes of every request and every object that
 * share this isolate (workerd runs a namespace's objects and the Worker in one isolate
 * locally; in production objects that share an isolate share it too). The batch is sent from
 * the context of the first row's writer, which awaits it, so its request outlives the I/O;
 * the others are resolved across contexts, which workerd supports.
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

let queue: Waiting[] = [];
let inFlight: Promise<void> | undefined;

/** Figures for benchmarks and tests: rows written, and the batches that carried them. */
export const indexWriterStats = { rows: 0, batches: 0 };

const UPSERT = `INSERT INTO runs (id, flow_name, name, deployment_id, parent_run_id, state_type,
    state_name, tags, idempotency_key, created_at, updated_at, scheduled_at, started_at,
    ended_at, version)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
 * Writes a run's row to the D1 index, sharing a batch with rows written at the same moment;
 * resolves once it is committed. An older version never overwrites a newer one.
 *
 * @example
 * ```ts
 * await writeRunSummary(env.DB, summary);
 * ```
 */
export function writeRunSummary(db: D1Database, summary: RunSummary): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const waiting: Waiting = {
      summary,
      settle(error?: unknown) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      },
    };
    const timer = setTimeout(() => {
      if (settled) return;
      queue = queue.filter((w) => w !== waiting);
      upsert(db, summary)
        .run()
        .then(
          () => waiting.settle(),
          (error: unknown) => waiting.settle(error ?? new Error("D1 refused the index row")),
        );
    }, STALL_MS);
    queue.push(waiting);
    // The first row of an empty queue leads the next batch, which holds its own row: its
    // writer awaits that batch, so the context that sends it lives until it is committed.
    if (queue.length === 1) void lead(db);
  });
}

/**
 * Sends the next batch with `db`, the leader's own binding: a binding belongs to the object
 * that holds it, and another object's fails ("Cannot perform I/O on behalf of a different
 * Durable Object"). The leader's own row may have left the batch (written alone after
 * STALL_MS), so the binding is the leader's, never the first row's.
 */
async function lead(db: D1Database): Promise<void> {
  while (inFlight !== undefined) {
    const current = inFlight;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STALL_MS);
    });
    await Promise.race([current, stalled]);
    // Cleared, so a settled batch leaves no timer behind to keep this object in memory.
    if (timer !== undefined) clearTimeout(timer);
    // A batch that has not settled by now is not waited for again (see STALL_MS).
    if (inFlight === current) inFlight = undefined;
  }
  const batch = queue;
  queue = [];
  const commit = commitBatch(db, batch).finally(() => {
    if (inFlight === commit) inFlight = undefined;
  });
  inFlight = commit;
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
