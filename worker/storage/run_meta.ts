/**
 * The run object's `meta` table (its run id, flow name, wake time…) and whether the object has
 * a schema at all: an object that never held a run has no tables, so reading an unknown run id
 * writes nothing.
 *
 * @module
 */

import { migrate } from "./schema.ts";

/** The keys the run object keeps. */
export type MetaKey =
  | "run_id"
  | "flow_name"
  | "idempotency_key"
  | "deployment_id"
  /** The deployment schedule that created the run (worker/scheduler/). */
  | "schedule_id"
  /**
   * The time a scheduled run waits to start at, until it starts: its start checks it once
   * (Late, the catch-up policy) and removes it. Absent for runs that were due when created.
   */
  | "awaiting_start"
  | "wake_at"
  | "start_mode"
  /** Journal entries up to this number have their engine lines stored (schema v3). */
  | "engine_lines_after"
  /** The newest version of the run's index row that D1 has confirmed (see run_outbox.ts). */
  | "indexed_version"
  /** `remote` for a run executed outside the Worker (worker/remote_run.ts); absent otherwise. */
  | "executor"
  /** A remote run's lease (holder, epoch, expiry) as JSON (worker/remote_run.ts). */
  | "lease";

/**
 * The meta table, read once per wake and then kept in memory: the object is its only writer.
 *
 * @example
 * ```ts
 * const meta = new RunMeta(ctx.storage);
 * meta.ensureSchema();
 * meta.set("wake_at", String(Date.now()));
 * meta.get("run_id"); // undefined until the run is created
 * ```
 */
export class RunMeta {
  #initialized: boolean;
  #values: Map<string, string> | undefined;

  constructor(readonly storage: DurableObjectStorage) {
    this.#initialized =
      storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
        .toArray().length > 0;
    // Bring an object made by an older deploy up to date before it serves anything.
    if (this.#initialized) migrate(storage);
  }

  /** Whether the object has its tables (it has held a run). */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** Creates the tables if the object has none. */
  ensureSchema(): void {
    if (this.#initialized) return;
    migrate(this.storage);
    this.#initialized = true;
  }

  get(key: MetaKey): string | undefined {
    if (!this.#initialized) return undefined;
    this.#values ??= new Map(
      this.storage.sql
        .exec<{ key: string; value: string }>("SELECT key, value FROM meta")
        .toArray()
        .map((row) => [row.key, row.value]),
    );
    return this.#values.get(key);
  }

  set(key: MetaKey, value: string): void {
    this.storage.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
    this.#values?.set(key, value);
  }

  /** Removes a key. */
  delete(key: MetaKey): void {
    if (!this.#initialized) return;
    this.storage.sql.exec("DELETE FROM meta WHERE key = ?", key);
    this.#values?.delete(key);
  }

  /** Drops the copy in memory (after a rolled-back transaction wrote to the table). */
  forget(): void {
    this.#values = undefined;
  }
}
