// The runtime's port contracts, unchanged, against the Worker's implementations inside workerd:
// the journal on a flow-run object's SQLite storage (a fresh object for each case, the case
// running inside it), the cache on D1 and the result store on R2.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { journalContract } from "../../runtime/testing/journal_contract.ts";
import { cacheStoreContract, resultStoreContract } from "../../runtime/testing/store_contracts.ts";
import { D1CacheStore } from "../storage/d1_cache.ts";
import { R2ResultStore } from "../storage/r2_results.ts";
import { migrate } from "../storage/schema.ts";
import { SqlJournal } from "../storage/sql_journal.ts";
import { testEnv } from "./helpers.ts";

describe("journal contract: SqlJournal on a flow-run object's SQLite storage", () => {
  for (const c of journalContract) {
    it(c.name, { timeout: 60_000 }, async () => {
      const id = testEnv.FLOW_RUNS.idFromName(`contract-${crypto.randomUUID()}`);
      await runInDurableObject(testEnv.FLOW_RUNS.get(id), async (_instance, state) => {
        migrate(state.storage);
        await c.run(() => new SqlJournal(state.storage));
      });
    });
  }
});

describe("cache store contract: D1CacheStore", () => {
  for (const c of cacheStoreContract) {
    it(c.name, () => c.run(() => new D1CacheStore(testEnv.DB)));
  }
});

describe("result store contract: R2ResultStore", () => {
  for (const c of resultStoreContract) {
    it(c.name, () => c.run(() => new R2ResultStore(testEnv.RESULTS)));
  }
});
