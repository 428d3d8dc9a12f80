/**
 * The flow-run Durable Object's SQLite schema: versioned, and applied idempotently on every
 * wake (as Cloudflare's agents SDK does), so an object created by an older deploy is brought
 * up to date before it serves anything.
 *
 * @module
 */

/**
 * The tables of the current version, for an object that has none yet. A journal row's `entry`
 * is one entry as a JSON object, or (written since issue 7's one-row task steps) a task
 * step's start and outcome as a JSON array (`step_rows.ts`); `SqlJournal` reads both, so the
 * tables did not change and objects need no upgrade for it.
 */
const CURRENT = `
  CREATE TABLE journal (seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, entry TEXT NOT NULL);
  CREATE TABLE logs (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    step_id TEXT,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    message TEXT NOT NULL,
    timestamp INTEGER NOT NULL
  );
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE leases (lease_id TEXT PRIMARY KEY, limit_name TEXT NOT NULL, scope TEXT NOT NULL);`;

/**
 * Upgrades for objects created by earlier deploys: entry `i` takes version `i + 1` to `i + 2`.
 * Append only; never edit one. Each must leave the tables exactly as {@link CURRENT} makes them
 * (a test compares the two).
 */
const UPGRADES: readonly string[] = [
  // v2: the journal and the logs become plain rowid tables. A step's rows are the object's
  // hottest writes, and each INSERT into v1's tables also updated a second B-tree (the journal's
  // (run_id, seq) primary key index) or sqlite_sequence (the logs' AUTOINCREMENT). The journal's
  // order is its rowid now; an object holds one run, so a per-run sequence bought nothing.
  `CREATE TABLE journal_v2 (seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, entry TEXT NOT NULL);
   INSERT INTO journal_v2 (run_id, entry) SELECT run_id, entry FROM journal ORDER BY run_id, seq;
   DROP TABLE journal;
   ALTER TABLE journal_v2 RENAME TO journal;
   CREATE TABLE logs_v2 (
     seq INTEGER PRIMARY KEY,
     run_id TEXT NOT NULL,
     step_id TEXT,
     level TEXT NOT NULL,
     source TEXT NOT NULL,
     message TEXT NOT NULL,
     timestamp INTEGER NOT NULL
   );
   INSERT INTO logs_v2 (seq, run_id, step_id, level, source, message, timestamp)
     SELECT seq, run_id, step_id, level, source, message, timestamp FROM logs;
   DROP TABLE logs;
   ALTER TABLE logs_v2 RENAME TO logs;`,
  // v3: the engine's own log lines are rendered from the journal when read, not stored (see
  // run_logs.ts). An older deploy stored them for the entries it journaled: those entries, up
  // to this number, are not rendered again. The tables are unchanged; later rows are numbered
  // after both tables' last (see run_sequence.ts).
  `INSERT INTO meta (key, value)
     SELECT 'engine_lines_after', MAX(seq) FROM journal HAVING MAX(seq) IS NOT NULL;`,
  // v4: the concurrency slots the run has asked for and not given back (worker/limits/leases.ts),
  // so a finished run frees them all and a limit can ask whether the run still holds one.
  `CREATE TABLE IF NOT EXISTS leases (
     lease_id TEXT PRIMARY KEY, limit_name TEXT NOT NULL, scope TEXT NOT NULL
   );`,
];

/** The schema version this code expects. */
export const SCHEMA_VERSION = UPGRADES.length + 1;

/**
 * Brings the object's database to {@link SCHEMA_VERSION}; does nothing when it is there. A new
 * object gets the current tables at once; an older one is upgraded step by step, in one
 * transaction, so a failed upgrade leaves it at its old version.
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
    if (version === 0) {
      sql.exec(CURRENT);
      version = SCHEMA_VERSION;
    }
    for (; version < SCHEMA_VERSION; version++) sql.exec(UPGRADES[version - 1] as string);
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", version);
  });
}
