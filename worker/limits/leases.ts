/**
 * The concurrency slots a run has asked for and not given back, in its object's SQLite (table
 * `leases`, schema v4). A row is written before the request leaves the object and deleted once
 * the limit has it back, so a run that finishes, however it finishes, can free every slot it
 * still holds or waits for, and a limit asking whether the run still holds a lease gets an
 * answer from storage.
 *
 * @module
 */

import type { LeaseScope } from "../../runtime/host.ts";

/** One lease the run holds or waits for. */
export interface LeaseRow {
  readonly leaseId: string;
  readonly limit: string;
  readonly scope: LeaseScope;
}

/**
 * The run object's lease rows.
 *
 * @example
 * ```ts
 * const leases = new RunLeases(ctx.storage);
 * leases.add({ leaseId: "run-1/3/1/db", limit: "db", scope: "step" });
 * ```
 */
export class RunLeases {
  constructor(readonly storage: DurableObjectStorage) {}

  add(row: LeaseRow): void {
    this.storage.sql.exec(
      "INSERT OR REPLACE INTO leases (lease_id, limit_name, scope) VALUES (?, ?, ?)",
      row.leaseId,
      row.limit,
      row.scope,
    );
  }

  remove(leaseId: string): void {
    this.storage.sql.exec("DELETE FROM leases WHERE lease_id = ?", leaseId);
  }

  get(leaseId: string): LeaseRow | undefined {
    const row = this.storage.sql
      .exec<{ lease_id: string; limit_name: string; scope: string }>(
        "SELECT lease_id, limit_name, scope FROM leases WHERE lease_id = ?",
        leaseId,
      )
      .toArray()[0];
    return row === undefined ? undefined : toRow(row);
  }

  all(): LeaseRow[] {
    return this.storage.sql
      .exec<{ lease_id: string; limit_name: string; scope: string }>(
        "SELECT lease_id, limit_name, scope FROM leases ORDER BY lease_id",
      )
      .toArray()
      .map(toRow);
  }
}

function toRow(row: { lease_id: string; limit_name: string; scope: string }): LeaseRow {
  return {
    leaseId: row.lease_id,
    limit: row.limit_name,
    scope: row.scope === "run" ? "run" : "step",
  };
}
