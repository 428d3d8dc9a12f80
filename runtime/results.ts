/**
 * The result store port: where persisted results go (Prefect's `persist_result` and result
 * storage). The journal then keeps a reference instead of the value. Hosts put large results
 * here too (the Worker uses R2).
 *
 * @module
 */

import type { Encoded } from "./codec.ts";

/**
 * Storage for results by key.
 *
 * @example
 * ```ts
 * const results: ResultStore = new InMemoryResultStore();
 * await results.put("run-1/3", { rows: 3 });
 * ```
 */
export interface ResultStore {
  put(key: string, value: Encoded): Promise<void> | void;
  /** Resolves to `undefined` when nothing is stored under `key`. */
  get(key: string): Promise<Encoded | undefined> | Encoded | undefined;
}

/**
 * A result store held in memory, as JSON text so stored values are copies.
 *
 * @example
 * ```ts
 * const results = new InMemoryResultStore();
 * await myFlow.run(params, { results });
 * results.keys(); // ["split-data/2026-01-01", ...]
 * ```
 */
export class InMemoryResultStore implements ResultStore {
  readonly #values = new Map<string, string>();
  put(key: string, value: Encoded): void {
    this.#values.set(key, JSON.stringify(value));
  }
  get(key: string): Encoded | undefined {
    const text = this.#values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as Encoded);
  }
  /** Every key stored, in insertion order. */
  keys(): string[] {
    return [...this.#values.keys()];
  }
}
