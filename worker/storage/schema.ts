/**
 * The flow-run Durable Object's SQLite schema: versioned, and applied idempotently on every
 * wake (as Cloudflare's agents SDK does), so an object created by an older deploy is brought
 * up to date before it serves anything.
 *
 * @module
 */

/** Each entry upgrades the schema from the version before it. Append only; never edit. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS journal (
     run_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     entry TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   );
   CREATE TABLE IF NOT EXISTS logs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id TEXT NOT NULL,
     step_id TEXT,
     level TEXT NOT NULL,
     source TEXT NOT NULL,
     message TEXT NOT NULL,
     timestamp INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL,
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   );
   CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** The schema version this code expects. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the object's database to {@link SCHEMA_VERSION}; does nothing when it is there.
 *
 * @example
 * ```ts
 * ctx.blockConcurrencyWhile(async () => migrate(ctx.storage));
 * ```
 */
export function migrate(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
  let version = row?.version ?? 0;
  if (version >= SCHEMA_VERSION) return;
  storage.transactionSync(() => {
    for (; version < SCHEMA_VERSION; version++) sql.exec(MIGRATIONS[version] as string);
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", version);
  });
}
