import assert from "node:assert/strict";
import { test } from "node:test";
import { flow, InMemoryJournal, randomUUID, task, uuidFromBytes } from "./host.ts";

const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("uuidFromBytes makes distinct v4 UUIDs from getRandomValues alone", () => {
  const onlyRandomValues = { getRandomValues: crypto.getRandomValues.bind(crypto) };
  const ids = new Set(Array.from({ length: 200 }, () => uuidFromBytes(onlyRandomValues)));
  assert.equal(ids.size, 200);
  for (const id of ids) assert.match(id, v4);
});

test("uuidFromBytes without any generator says what to pass instead", () => {
  assert.throws(() => uuidFromBytes(undefined), /pass a runId in the run options/);
});

test("a flow runs when crypto.randomUUID is missing, as on a page that is not a secure context", async () => {
  const original = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(crypto), "randomUUID");
  const own = Object.getOwnPropertyDescriptor(crypto, "randomUUID");
  Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
  try {
    assert.equal(typeof crypto.randomUUID, "undefined");
    assert.match(randomUUID(), v4);
    const double = task({ name: "double", persistResult: true }, (n: number) => n * 2);
    const child = flow({ name: "child" }, async function* (n: number) {
      return yield* double(n);
    });
    const parent = flow({ name: "parent" }, async function* (n: number) {
      return yield* child(n);
    });
    const journal = new InMemoryJournal();
    const handle = parent.start(21, { journal, console: false });
    assert.equal(await handle.result(), 42);
    assert.match(handle.runId, v4);
  } finally {
    if (own !== undefined) Object.defineProperty(crypto, "randomUUID", own);
    else delete (crypto as { randomUUID?: unknown }).randomUUID;
    assert.ok(original === undefined || typeof crypto.randomUUID === "function");
  }
});
