/**
 * A concurrency limit object's SQLite schema: versioned, and applied idempotently on every
 * wake (as the run object's storage/schema.ts is), so an object created by an older deploy is
 * brought up to date before it serves anything.
 *
 * - `meta`: key/value rows: `book` (the limit's own state as JSON: name, settings, decay,
 *   times, the next place in line) and `catalogue` (`dirty` while D1's row lags behind).
 * - `leases`: one row per lease the book knows: held, waiting (`seq` orders the line) or a
 *   remembered rate grant; `record` is the book's record as JSON.
 * - `grants`: the grant outbox: a waiter granted its slots whose run has not yet been told.
 *
 * @module
 */

const CURRENT = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE leases (
    lease_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL
  );
  CREATE TABLE grants (
    lease_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT
  );`;

/**
 * Upgrades for objects created by earlier deploys: entry `i` takes version `i + 1` to `i + 2`.
 * Append only; never edit one.
 */
const UPGRADES: readonly string[] = [];

/** The schema version this code expects. */
export const LIMIT_SCHEMA_VERSION = UPGRADES.length + 1;

/**
 * Brings the object's database to {@link LIMIT_SCHEMA_VERSION}; does nothing when it is there.
 *
 * @example
 * ```ts
 * migrateLimit(ctx.storage);
 * ```
 */
export function migrateLimit(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  let version = row?.version ?? 0;
  if (version >= LIMIT_SCHEMA_VERSION) return;
  storage.transactionSync(() => {
    if (version === 0) {
      sql.exec(CURRENT);
      version = LIMIT_SCHEMA_VERSION;
    }
    for (; version < LIMIT_SCHEMA_VERSION; version++) sql.exec(UPGRADES[version - 1] as string);
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", version);
  });
}
