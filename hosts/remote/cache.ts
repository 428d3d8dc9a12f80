/**
 * The cache port over the API (`GET|PUT /api/cache/{key}`): task results cached by one run,
 * on any machine, serve later runs of every host of the same server.
 *
 * @module
 */

import type { CacheEntry, CacheStore } from "../../runtime/host.ts";
import type { RemoteApi } from "./api.ts";

/**
 * A cache store on the server.
 *
 * @example
 * ```ts
 * const cache = new RemoteCacheStore(new RemoteApi());
 * await myFlow.run(params, { cache });
 * ```
 */
export class RemoteCacheStore implements CacheStore {
  constructor(readonly api: RemoteApi) {}

  get(key: string): Promise<CacheEntry | undefined> {
    return this.api.getCache(key);
  }

  set(key: string, entry: CacheEntry): Promise<void> {
    return this.api.putCache(key, entry);
  }

  delete(key: string): Promise<void> {
    return this.api.deleteCache(key);
  }
}
