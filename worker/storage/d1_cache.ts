/**
 * The cache port on D1, shared by every run of the Worker (task caches outlive runs).
 *
 * @module
 */

import type { CacheEntry, CacheStore, Encoded } from "../../runtime/host.ts";

/**
 * A {@link CacheStore} in the `cache_entries` table.
 *
 * @example
 * ```ts
 * const cache = new D1CacheStore(env.DB);
 * ```
 */
export class D1CacheStore implements CacheStore {
  constructor(readonly db: D1Database) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    const row = await this.db
      .prepare("SELECT value, created_at, expires_at FROM cache_entries WHERE key = ?")
      .bind(key)
      .first<{ value: string; created_at: number; expires_at: number | null }>();
    if (row === null) return undefined;
    return {
      value: JSON.parse(row.value) as Encoded,
      createdAt: row.created_at,
      ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    };
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    await this.db
      .prepare(
        `INSERT INTO cache_entries (key, value, created_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, created_at = excluded.created_at,
         expires_at = excluded.expires_at`,
      )
      .bind(key, JSON.stringify(entry.value), entry.createdAt, entry.expiresAt ?? null)
      .run();
  }

  async delete(key: string): Promise<void> {
    await this.db.prepare("DELETE FROM cache_entries WHERE key = ?").bind(key).run();
  }
}
