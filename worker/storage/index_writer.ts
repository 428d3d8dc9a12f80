/**
 * Group commit for the D1 run index. Every run's Durable Object writes its own row (measured: a
 * fresh object writing one row made 635 runs/s, the same plus one D1 write 257/s), so rows are
 * batched across the objects of an isolate: the first writer of a quiet moment leads, sends
 * every row queued meanwhile in one `D1Database.batch` (the newest version of each run only)
 * from its own context with its own binding, and keeps sending until the queue is empty; an idle
 * system adds no delay.
 *
 * Nothing but plain data crosses between objects. Settling one object's promise, or clearing its
 * timer, from another object's context fails in workerd ("Cannot perform I/O on behalf of a
 * different Durable Object"), which the scheduler's concurrent creates hit. So a writer that is
 * not leading waits on its own short timer and reads the module-level record of what has been
 * committed (or refused); only the leader does I/O for the batch. A leader whose context dies
 * (its object was reset mid-batch) is replaced once it has been silent for `STALL_MS`, and a
 * row still not committed after `STALL_MS` is written alone by its own writer (a row written
 * twice is harmless: the upsert keeps the newest version).
 *
 * @module
 */

import type { RunSummary } from "./outbox.ts";

/** How long a row waits for a batch, or a leader may stay silent, before a writer acts alone. */
export const STALL_MS = 1_000;

/** How often a waiting writer looks at what has been committed. */
const POLL_MS = 1;

/** Figures for benchmarks and tests: rows written, and the batches that carried them. */
export const indexWriterStats = { rows: 0, batches: 0 };

/** Rows waiting for the next batch: the newest summary of each run. */
const pending = new Map<string, RunSummary>();
/** The newest version of each run the index holds, as far as this isolate wrote it. */
const committed = new Map<string, number>();
/** Rows a batch failed to write, with the error, for their writers to throw. */
const refused = new Map<string, { readonly version: number; readonly error: unknown }>();
/** The writer sending batches now, and when it last showed progress. */
let leader: { lastSeen: number } | undefined;

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
 * Writes a run's row to the D1 index, sharing a batch with the rows other objects in the
 * isolate write at the same moment; resolves once it is committed, and rejects if D1 refused
 * it. An older version never overwrites a newer one. (`_lane` is kept for callers; batching
 * is isolate-wide.)
 *
 * @example
 * ```ts
 * await writeRunSummary(env.DB, summary, this);
 * ```
 */
export async function writeRunSummary(
  db: D1Database,
  summary: RunSummary,
  _lane?: object,
): Promise<void> {
  const queued = pending.get(summary.id);
  if (queued === undefined || queued.version < summary.version) pending.set(summary.id, summary);
  const since = Date.now();
  for (;;) {
    if ((committed.get(summary.id) ?? -1) >= summary.version) return forget(summary);
    const failure = refused.get(summary.id);
    if (failure !== undefined && failure.version >= summary.version) {
      refused.delete(summary.id);
      throw failure.error;
    }
    const now = Date.now();
    const leaderGone = leader === undefined || now - leader.lastSeen > STALL_MS;
    if (leaderGone && pending.has(summary.id)) {
      await lead(db);
      continue;
    }
    // Not queued and not committed: its batch went with a leader that is gone. Or waited too
    // long for a leader that is still sending. Either way, write it alone, here.
    if (leaderGone || now - since > STALL_MS) {
      await upsert(db, summary).run();
      noteCommitted(summary);
      return forget(summary);
    }
    await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Sends batches from this writer's context until nothing is pending. */
async function lead(db: D1Database): Promise<void> {
  const me = { lastSeen: Date.now() };
  leader = me;
  try {
    while (pending.size > 0 && leader === me) {
      const batch = [...pending.values()];
      pending.clear();
      try {
        const statements = batch.map((s) => upsert(db, s));
        await (statements.length === 1
          ? (statements[0] as D1PreparedStatement).run()
          : db.batch(statements));
        indexWriterStats.rows += batch.length;
        indexWriterStats.batches += 1;
        for (const s of batch) noteCommitted(s);
      } catch (error) {
        for (const s of batch) {
          refused.set(s.id, {
            version: s.version,
            error: error ?? new Error("D1 refused the row"),
          });
        }
      }
      me.lastSeen = Date.now();
    }
  } finally {
    if (leader === me) leader = undefined;
  }
}

function noteCommitted(summary: RunSummary): void {
  if ((committed.get(summary.id) ?? -1) < summary.version)
    committed.set(summary.id, summary.version);
}

/** Drops what is known of a run once its writer has its answer, so the maps stay small. */
function forget(summary: RunSummary): void {
  if (committed.get(summary.id) === summary.version && !pending.has(summary.id)) {
    committed.delete(summary.id);
  }
}
