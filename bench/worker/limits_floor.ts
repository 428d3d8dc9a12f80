/**
 * The floors the concurrency-limit benchmark compares a limit object with, run inside the
 * bench Worker's bare SQLite object (bench_app.ts's FloorObject): the SQL a limit object runs
 * per call without its book, and the relay holder → limit → waiter that a hand-off cannot beat.
 * Names no Workers type (see limits_app.ts).
 *
 * @module
 */

const migrated = new WeakSet<SqlStore>();

/**
 * The part of a Durable Object's storage that {@link limitShapedSql} uses.
 *
 * @example
 * ```ts
 * const store: SqlStore = ctx.storage;
 * ```
 */
export interface SqlStore {
  readonly sql: { exec(query: string, ...bindings: unknown[]): { toArray(): unknown[] } };
  transactionSync<T>(closure: () => T): T;
}

/**
 * The SQLite work a limit object does per acquire or release of a slot that nobody waits for
 * (worker/limits/store.ts and object.ts), without the book: one transaction writing the lease's
 * row (JSON) or deleting it, then, to set the alarm, the earliest grant retry and the
 * catalogue flag, two reads.
 *
 * @example
 * ```ts
 * limitShapedSql(ctx.storage, "acquire", "run-1/3/1/db");
 * ```
 */
export function limitShapedSql(
  storage: SqlStore,
  call: "acquire" | "release",
  leaseId: string,
): void {
  const sql = storage.sql;
  if (!migrated.has(storage)) {
    // Once per object, as a limit object migrates once per wake.
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS leases (lease_id TEXT PRIMARY KEY, state TEXT NOT NULL, seq INTEGER NOT NULL, record TEXT NOT NULL)",
    );
    sql.exec(
      "CREATE TABLE IF NOT EXISTS grants (lease_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, next_attempt_at INTEGER NOT NULL)",
    );
    migrated.add(storage);
  }
  const now = Date.now();
  storage.transactionSync(() => {
    if (call === "release") {
      sql.exec("DELETE FROM leases WHERE lease_id = ?", leaseId);
      return;
    }
    const holder = { leaseId, runId: "bench", label: "pair", occupy: 1, expiresAt: now + 60_000 };
    sql.exec(
      "INSERT OR REPLACE INTO leases (lease_id, state, seq, record) VALUES (?, 'held', 0, ?)",
      leaseId,
      JSON.stringify(holder),
    );
  });
  sql.exec("SELECT MIN(next_attempt_at) AS at FROM grants").toArray();
  sql.exec("SELECT 1 FROM meta WHERE key = 'catalogue'").toArray();
}

/**
 * `n` relays through `first` along `path`, and `n` round trips to `first` (one row written),
 * each timed from the caller: the floor of a hand-off.
 *
 * @example
 * ```ts
 * const { relayMs } = await timeRelays(limitLike, ["waiter"], 300);
 * ```
 */
export async function timeRelays(
  first: { relay(path: string[]): Promise<number>; write(): Promise<void> },
  path: string[],
  n: number,
): Promise<{ relayMs: number[]; rttMs: number[] }> {
  const relayMs: number[] = [];
  const rttMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const sent = Date.now();
    relayMs.push((await first.relay(path)) - sent);
    const asked = Date.now();
    await first.write();
    rttMs.push(Date.now() - asked);
  }
  return { relayMs, rttMs };
}
