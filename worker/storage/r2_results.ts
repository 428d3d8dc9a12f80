/**
 * The result store port on R2: results too large for a journal row, and persisted results.
 *
 * @module
 */

import type { Encoded, ResultStore } from "../../runtime/host.ts";

/**
 * A {@link ResultStore} in an R2 bucket, one JSON object per key.
 *
 * @example
 * ```ts
 * const results = new R2ResultStore(env.RESULTS);
 * ```
 */
export class R2ResultStore implements ResultStore {
  constructor(readonly bucket: R2Bucket) {}

  async put(key: string, value: Encoded): Promise<void> {
    await this.bucket.put(key, JSON.stringify(value), {
      httpMetadata: { contentType: "application/json" },
    });
  }

  async get(key: string): Promise<Encoded | undefined> {
    const object = await this.bucket.get(key);
    return object === null ? undefined : ((await object.json()) as Encoded);
  }
}
