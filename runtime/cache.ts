/**
 * The cache port: task results kept under a cache key so a later call with the same key
 * returns the result without running the task (state `Cached`), as Prefect's `cache_key_fn`
 * and `cache_expiration` do.
 *
 * @module
 */

import type { Encoded } from "./codec.ts";
import { sha256Bytes } from "./sha256.ts";

/** A cached task result. */
export interface CacheEntry {
  readonly value: Encoded;
  /** Epoch ms the entry was written. */
  readonly createdAt: number;
  /** Epoch ms after which the entry is ignored; absent means never. */
  readonly expiresAt?: number;
}

/**
 * Storage for cache entries.
 *
 * @example
 * ```ts
 * const cache: CacheStore = new InMemoryCacheStore();
 * await cache.set("k", { value: 1, createdAt: Date.now() });
 * ```
 */
export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined> | CacheEntry | undefined;
  set(key: string, entry: CacheEntry): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

/**
 * A cache held in memory, shared by every run that is given the same instance.
 *
 * @example
 * ```ts
 * const cache = new InMemoryCacheStore();
 * await myFlow.run(params, { cache });
 * ```
 */
export class InMemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, CacheEntry>();
  get(key: string): CacheEntry | undefined {
    return this.#entries.get(key);
  }
  set(key: string, entry: CacheEntry): void {
    this.#entries.set(key, entry);
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
  /** How many entries are stored. */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * Hashes text with SHA-256 to hex: with Web Crypto where it exists, else in plain JavaScript
 * (browsers offer `crypto.subtle` only in secure contexts).
 *
 * @example
 * ```ts
 * await sha256Hex("abc"); // "ba7816bf..."
 * ```
 */
export async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  const digest = subtle === undefined ? sha256Bytes(bytes) : await subtle.digest("SHA-256", bytes);
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
