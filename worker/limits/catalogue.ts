/**
 * D1's `concurrency_limits` catalogue (migrations/0003_concurrency.sql), as a limit object
 * keeps it: the limit's row written on create and on every change of configuration, deleted
 * when the limit is. The object is the source of truth; the row is what the API lists and
 * what finds which of a task's tags are limits.
 *
 * @module
 */

import type { LimitConfig } from "../../runtime/limits/book.ts";

/** What the catalogue row holds. */
export interface CatalogueRow extends LimitConfig {
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * Writes (creates or replaces) limit `row.name`'s catalogue row.
 *
 * @example
 * ```ts
 * await writeCatalogueRow(env.DB, { name: "db", limit: 2, active: true, slotDecayPerSecond: 0, createdAt, updatedAt });
 * ```
 */
export async function writeCatalogueRow(db: D1Database, row: CatalogueRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO concurrency_limits
         (name, limit_value, active, slot_decay_per_second, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET
         limit_value = excluded.limit_value,
         active = excluded.active,
         slot_decay_per_second = excluded.slot_decay_per_second,
         created_at = excluded.created_at,
         updated_at = excluded.updated_at`,
    )
    .bind(
      row.name,
      row.limit,
      row.active ? 1 : 0,
      row.slotDecayPerSecond,
      row.createdAt,
      row.updatedAt,
    )
    .run();
}

/**
 * Deletes limit `name`'s catalogue row (nothing when there is none).
 *
 * @example
 * ```ts
 * await deleteCatalogueRow(env.DB, "db");
 * ```
 */
export async function deleteCatalogueRow(db: D1Database, name: string): Promise<void> {
  await db.prepare("DELETE FROM concurrency_limits WHERE name = ?").bind(name).run();
}
