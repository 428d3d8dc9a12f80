/**
 * `weir/testing`: what proves a host's ports right and makes flow tests deterministic. The
 * contract suites run the same cases against any journal, cache store or result store (the
 * Worker runs them against its SQLite and D1 adapters, as the in-memory ones do), and
 * `FakeClock` moves time by hand so sleeps, retry delays and timeouts are tested without
 * waiting.
 *
 * @example
 * ```ts
 * import { journalContract } from "weir/testing";
 * for (const c of journalContract) test(c.name, () => c.run(async () => new MyJournal()));
 * ```
 *
 * @module
 */

export {
  assertDeepEqual,
  assertEqual,
  assertInstanceOf,
  assertRejects,
  assertTrue,
} from "./assert.ts";
export { eventually, tick } from "./eventually.ts";
export { FakeClock } from "./fake_clock.ts";
export {
  type ContractCase,
  CrashingJournal,
  journalContract,
  SimulatedCrash,
} from "./journal_contract.ts";
export { cacheStoreContract, resultStoreContract } from "./store_contracts.ts";
