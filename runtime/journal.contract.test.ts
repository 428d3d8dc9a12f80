import { describe, test } from "node:test";
import { InMemoryCacheStore } from "./cache.ts";
import { InMemoryJournal } from "./journal.ts";
import { InMemoryResultStore } from "./results.ts";
import { journalContract } from "./testing/journal_contract.ts";
import { cacheStoreContract, resultStoreContract } from "./testing/store_contracts.ts";

describe("journal contract: InMemoryJournal()", () => {
  for (const c of journalContract) test(c.name, () => c.run(() => new InMemoryJournal()));
});

describe("journal contract: InMemoryJournal({ serialize: true })", () => {
  for (const c of journalContract) {
    test(c.name, () => c.run(() => new InMemoryJournal({ serialize: true })));
  }
});

describe("cache store contract: InMemoryCacheStore", () => {
  for (const c of cacheStoreContract) test(c.name, () => c.run(() => new InMemoryCacheStore()));
});

describe("result store contract: InMemoryResultStore", () => {
  for (const c of resultStoreContract) test(c.name, () => c.run(() => new InMemoryResultStore()));
});
