/**
 * Exact `logPrints` attribution for hosts with async context: Node, Deno and workerd (with
 * `nodejs_compat`) all provide `AsyncLocalStorage`, so each console line finds the task that
 * printed it even when many tasks print at once.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { ConsoleAttribution, ConsoleTarget } from "../runtime/host.ts";

/**
 * A {@link ConsoleAttribution} backed by `AsyncLocalStorage`.
 *
 * @example
 * ```ts
 * import { setConsoleAttribution } from "../runtime/host.ts";
 * setConsoleAttribution(asyncLocalStorageAttribution());
 * ```
 */
export function asyncLocalStorageAttribution(): ConsoleAttribution {
  const storage = new AsyncLocalStorage<ConsoleTarget>();
  return {
    run: (target, fn) => storage.run(target, fn),
    current: () => storage.getStore(),
  };
}
