/**
 * The contracts of the cache store and result store ports, as plain async cases that throw on
 * failure. Like the journal contract they use only web-standard APIs, so the same cases run
 * under Deno and Node (against the in-memory stores) and inside workerd (against the Worker's
 * stores).
 *
 * @example
 * ```ts
 * for (const c of cacheStoreContract) test(c.name, () => c.run(() => new InMemoryCacheStore()));
 * for (const c of resultStoreContract) test(c.name, () => c.run(() => new InMemoryResultStore()));
 * ```
 *
 * @module
 */

import type { CacheEntry, CacheStore } from "../cache.ts";
import { decode, type Encoded, encode } from "../codec.ts";
import type { ResultStore } from "../results.ts";
import { assertDeepEqual, assertEqual, assertTrue } from "./assert.ts";
import type { ContractCase } from "./journal_contract.ts";

const T0 = Date.UTC(2026, 0, 1);

function uniqueKey(label: string): string {
  return `contract:${label}:${crypto.randomUUID()}`;
}

/** A value with every kind the codec keeps, as the executor would store it. */
function richValue() {
  return {
    rows: [1, 2, 3],
    when: new Date(T0),
    lookup: new Map<string, unknown>([
      ["a", 1],
      ["b", new Set(["x"])],
    ]),
    big: 2n ** 64n,
    bytes: new Uint8Array([0, 255, 7]),
    missing: undefined,
    ratio: Number.NaN,
    text: 'ünïcødé ✓ "quoted"',
    nested: { $weir: "a plain field named like the tag", deep: [null, false, 0, ""] },
  };
}

/** Checks one cache entry read back against what was set. */
function assertEntry(actual: CacheEntry | undefined, expected: CacheEntry, what: string): void {
  assertTrue(actual !== undefined, `${what}: the entry is found`);
  assertDeepEqual(actual.value, expected.value, `${what}: value`);
  assertEqual(actual.createdAt, expected.createdAt, `${what}: createdAt`);
  assertEqual(actual.expiresAt, expected.expiresAt, `${what}: expiresAt`);
}

/** The cache store contract. Cases use fresh random keys, so a shared store works too. */
export const cacheStoreContract: ReadonlyArray<ContractCase<CacheStore>> = [
  {
    name: "get of a missing key returns undefined",
    async run(make) {
      const cache = await make();
      assertEqual(await cache.get(uniqueKey("missing")), undefined, "missing key");
    },
  },
  {
    name: "set then get returns the entry; an entry set without expiresAt has none (not null)",
    async run(make) {
      const cache = await make();
      const forever = uniqueKey("forever");
      const expiring = uniqueKey("expiring");
      const foreverEntry: CacheEntry = { value: { rows: 3 }, createdAt: T0 };
      const expiringEntry: CacheEntry = {
        value: [1, "two", null],
        createdAt: T0 + 5,
        expiresAt: T0 + 3_600_000,
      };
      await cache.set(forever, foreverEntry);
      await cache.set(expiring, expiringEntry);
      assertEntry(await cache.get(forever), foreverEntry, "entry without expiry");
      assertEntry(await cache.get(expiring), expiringEntry, "entry with expiry");
    },
  },
  {
    name: "an entry whose expiry has passed is still returned (the executor checks expiresAt)",
    async run(make) {
      const cache = await make();
      const key = uniqueKey("expired");
      const entry: CacheEntry = { value: "old", createdAt: 0, expiresAt: 1 };
      await cache.set(key, entry);
      const read = await cache.get(key);
      // A store may drop expired entries; if it returns one, the expiry must be intact.
      if (read !== undefined) assertEntry(read, entry, "expired entry");
    },
  },
  {
    name: "set overwrites the entry under the same key",
    async run(make) {
      const cache = await make();
      const key = uniqueKey("overwrite");
      await cache.set(key, { value: 1, createdAt: T0, expiresAt: T0 + 10 });
      const second: CacheEntry = { value: { n: 2 }, createdAt: T0 + 20 };
      await cache.set(key, second);
      assertEntry(await cache.get(key), second, "overwritten entry");
    },
  },
  {
    name: "delete removes only its key, and deleting a missing key is fine",
    async run(make) {
      const cache = await make();
      const a = uniqueKey("a");
      const b = uniqueKey("b");
      await cache.set(a, { value: "a", createdAt: T0 });
      await cache.set(b, { value: "b", createdAt: T0 });
      await cache.delete(a);
      assertEqual(await cache.get(a), undefined, "deleted key");
      assertEntry(await cache.get(b), { value: "b", createdAt: T0 }, "other key");
      await cache.delete(a);
      await cache.delete(uniqueKey("never-set"));
      await cache.set(a, { value: "again", createdAt: T0 + 1 });
      assertEntry(await cache.get(a), { value: "again", createdAt: T0 + 1 }, "key set again");
    },
  },
  {
    name: "encoded values of every kind round-trip, falsy ones included",
    async run(make) {
      const cache = await make();
      const values: unknown[] = [richValue(), null, false, 0, "", [], {}, undefined];
      const keys = values.map((_, i) => uniqueKey(`value-${i}`));
      for (const [i, value] of values.entries()) {
        await cache.set(keys[i] as string, { value: encode(value), createdAt: T0 });
      }
      for (const [i, value] of values.entries()) {
        const read = await cache.get(keys[i] as string);
        assertTrue(read !== undefined, `value ${i} is found`);
        assertDeepEqual(decode(read.value), value, `value ${i}`);
      }
    },
  },
  {
    name: "keys are opaque strings: case, separators and unicode all count",
    async run(make) {
      const cache = await make();
      const base = uniqueKey("Key");
      const keys = [
        base,
        base.toLowerCase(),
        `${base}/x`,
        `${base}:x`,
        `${base} ü ✓`,
        `${base}%2F`,
      ];
      assertEqual(new Set(keys).size, keys.length, "distinct keys");
      for (const [i, key] of keys.entries()) await cache.set(key, { value: i, createdAt: T0 });
      for (const [i, key] of keys.entries()) {
        assertEntry(
          await cache.get(key),
          { value: i, createdAt: T0 },
          `key ${JSON.stringify(key)}`,
        );
      }
    },
  },
];

/** The result store contract. Cases use fresh random keys, so a shared store works too. */
export const resultStoreContract: ReadonlyArray<ContractCase<ResultStore>> = [
  {
    name: "get of a missing key returns undefined",
    async run(make) {
      const results = await make();
      assertEqual(await results.get(uniqueKey("missing")), undefined, "missing key");
    },
  },
  {
    name: "put then get returns the value",
    async run(make) {
      const results = await make();
      const key = `${uniqueKey("run")}/3`;
      const value = encode(richValue());
      await results.put(key, value);
      const read = await results.get(key);
      assertDeepEqual(read, JSON.parse(JSON.stringify(value)), "stored value");
      assertDeepEqual(decode(read ?? null), richValue(), "decoded value");
    },
  },
  {
    name: "falsy values are stored, not mistaken for missing ones",
    async run(make) {
      const results = await make();
      const values: Encoded[] = [null, false, 0, "", [], {}];
      const keys = values.map((_, i) => uniqueKey(`falsy-${i}`));
      for (const [i, value] of values.entries()) await results.put(keys[i] as string, value);
      for (const [i, value] of values.entries()) {
        assertDeepEqual(
          await results.get(keys[i] as string),
          value,
          `value ${JSON.stringify(value)}`,
        );
      }
    },
  },
  {
    name: "values are copies: changing an object after put or after get changes nothing stored",
    async run(make) {
      const results = await make();
      const key = uniqueKey("copies");
      const value: { [key: string]: Encoded } = { rows: [1, 2], meta: { n: 1 } };
      await results.put(key, value);
      (value.rows as Encoded[]).push(3);
      (value.meta as { [key: string]: Encoded }).n = 99;
      value.extra = true;
      const first = (await results.get(key)) as { [key: string]: Encoded };
      assertDeepEqual(first, { rows: [1, 2], meta: { n: 1 } }, "value after changing the input");
      (first.rows as Encoded[]).push(4);
      first.extra = "x";
      assertDeepEqual(
        await results.get(key),
        { rows: [1, 2], meta: { n: 1 } },
        "value after changing an earlier read",
      );
    },
  },
  {
    name: "put overwrites the value under the same key; keys are isolated",
    async run(make) {
      const results = await make();
      const base = uniqueKey("flow");
      const a = `${base}/split-data/2026-01-01`;
      const b = `${base}/split-data/2026-01-02`;
      await results.put(a, { n: 1 });
      await results.put(b, { n: 2 });
      await results.put(a, [3]);
      assertDeepEqual(await results.get(a), [3], "overwritten value");
      assertDeepEqual(await results.get(b), { n: 2 }, "other key");
      assertEqual(await results.get(`${base}/split-data`), undefined, "a prefix of the keys");
    },
  },
  {
    name: "a large value round-trips intact",
    async run(make) {
      const results = await make();
      const key = uniqueKey("large");
      const rows = Array.from({ length: 5000 }, (_, i) => ({
        i,
        name: `row-${i}`,
        ok: i % 2 === 0,
      }));
      await results.put(key, rows);
      const read = (await results.get(key)) as typeof rows;
      assertEqual(read.length, 5000, "rows read back");
      assertDeepEqual(read, rows, "large value");
    },
  },
];
