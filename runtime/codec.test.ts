import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decode, type Encoded, encode } from "./codec.ts";
import { NonRetryableError, RetryAfterError, TimeoutError } from "./errors.ts";

/** Encodes, goes through JSON text as every journal does, and decodes. */
function roundTrip(value: unknown): unknown {
  const text = JSON.stringify(encode(value));
  return decode(JSON.parse(text) as Encoded);
}

describe("encode/decode round trip", () => {
  test("plain JSON data is encoded as itself", () => {
    const value = { a: 1, b: "two", c: [true, false, null], d: { e: -1.5, f: [] }, g: {} };
    assert.deepEqual(encode(value), value);
    assert.deepEqual(roundTrip(value), value);
    for (const scalar of [0, -3, 1.25, "", "text", true, false, null]) {
      assert.equal(encode(scalar), scalar);
      assert.equal(roundTrip(scalar), scalar);
    }
  });

  test("undefined, at the top level, in arrays and in objects", () => {
    assert.deepEqual(encode(undefined), { $weir: "undefined" });
    assert.equal(roundTrip(undefined), undefined);
    assert.deepEqual(roundTrip([1, undefined, 3]), [1, undefined, 3]);
    const object = roundTrip({ a: undefined, b: 1 }) as Record<string, unknown>;
    assert.deepEqual(object, { a: undefined, b: 1 });
    assert.ok("a" in object, "an undefined field stays a field");
  });

  test("NaN and the infinities", () => {
    assert.deepEqual(encode(Number.NaN), { $weir: "Number", v: "NaN" });
    assert.deepEqual(encode(Number.POSITIVE_INFINITY), { $weir: "Number", v: "Infinity" });
    assert.deepEqual(encode(Number.NEGATIVE_INFINITY), { $weir: "Number", v: "-Infinity" });
    assert.ok(Number.isNaN(roundTrip(Number.NaN)));
    assert.equal(roundTrip(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    assert.equal(roundTrip(Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
    assert.deepEqual(roundTrip({ xs: [Number.NaN, 1, Number.POSITIVE_INFINITY] }), {
      xs: [Number.NaN, 1, Number.POSITIVE_INFINITY],
    });
  });

  test("bigints, small, negative and beyond 64 bits", () => {
    assert.deepEqual(encode(12n), { $weir: "BigInt", v: "12" });
    for (const big of [0n, 12n, -7n, 2n ** 64n + 1n, -(10n ** 40n)]) {
      const back = roundTrip(big);
      assert.equal(typeof back, "bigint");
      assert.equal(back, big);
    }
  });

  test("dates keep their exact time, invalid dates stay invalid", () => {
    assert.equal(
      JSON.stringify(encode({ at: new Date(0) })),
      '{"at":{"$weir":"Date","v":"1970-01-01T00:00:00.000Z"}}',
    );
    const date = new Date(Date.UTC(2026, 4, 3, 12, 30, 15, 123));
    const back = roundTrip(date);
    assert.ok(back instanceof Date);
    assert.equal(back.getTime(), date.getTime());
    const invalid = roundTrip(new Date(Number.NaN));
    assert.ok(invalid instanceof Date);
    assert.ok(Number.isNaN(invalid.getTime()));
  });

  test("maps keep key types, order and nested values", () => {
    const map = new Map<unknown, unknown>([
      ["a", 1],
      [2, "two"],
      [new Date(5), new Set([1])],
      [{ k: 1 }, [undefined]],
      [undefined, null],
    ]);
    const back = roundTrip(map);
    assert.ok(back instanceof Map);
    assert.deepEqual(back, map);
    assert.deepEqual([...back.keys()].slice(0, 2), ["a", 2]);
    assert.deepEqual(roundTrip(new Map()), new Map());
  });

  test("sets keep their values and order", () => {
    const set = new Set<unknown>([3, "x", 1, new Date(7), 5n]);
    const back = roundTrip(set);
    assert.ok(back instanceof Set);
    assert.deepEqual(back, set);
    assert.deepEqual([...(back as Set<unknown>)].slice(0, 3), [3, "x", 1]);
    assert.deepEqual(roundTrip(new Set()), new Set());
  });

  test("Uint8Array, empty, small and larger than one base64 chunk", () => {
    assert.deepEqual(encode(new Uint8Array([0, 1, 255])), { $weir: "Bytes", v: "AAH/" });
    for (const length of [0, 1, 2, 3, 0x8000, 0x8000 * 2 + 5]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 7 + 3) % 256);
      const back = roundTrip(bytes);
      assert.ok(back instanceof Uint8Array, `length ${length}`);
      assert.deepEqual([...back], [...bytes], `length ${length}`);
    }
  });

  test("deeply nested mixes of every kind", () => {
    const value = {
      list: [new Map([["m", new Set([new Date(1), 2n, Number.NaN])]]), undefined, [[[{ x: 1 }]]]],
      bytes: { inner: new Uint8Array([9, 8]) },
      when: { start: new Date(10), end: new Date(20) },
      text: 'ünïcødé ✓ "quoted" \\ \n',
    };
    assert.deepEqual(roundTrip(value), value);
  });

  test("the same object twice (not a cycle) is encoded twice", () => {
    const shared = { n: 1, at: new Date(3) };
    assert.deepEqual(roundTrip([shared, shared, { again: shared }]), [
      shared,
      shared,
      { again: shared },
    ]);
  });

  test("objects with a '$weir' key are escaped and come back as they were", () => {
    const lookalike = { $weir: "Date", v: "1970-01-01T00:00:00.000Z" };
    assert.deepEqual(encode(lookalike), { $weir: "Escaped", v: lookalike });
    const back = roundTrip(lookalike);
    assert.ok(!(back instanceof Date));
    assert.deepEqual(back, lookalike);
    const nested = { $weir: { $weir: "undefined" }, other: [{ $weir: 1, v: new Date(2) }] };
    assert.deepEqual(roundTrip(nested), nested);
    assert.deepEqual(roundTrip({ $weir: "Escaped", v: { a: 1 } }), {
      $weir: "Escaped",
      v: { a: 1 },
    });
  });

  test("class instances become plain objects of their own fields, as with JSON", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length() {
        return Math.hypot(this.x, this.y);
      }
    }
    const back = roundTrip(new Point(3, 4));
    assert.deepEqual(back, { x: 3, y: 4 });
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
  });

  test("function- and symbol-valued object fields are left out, as with JSON", () => {
    assert.deepEqual(roundTrip({ a: 1, f() {}, s: Symbol("s") }), { a: 1 });
  });

  test("errors come back as their classes, with fields and causes", () => {
    const error = new NonRetryableError("no fact", {
      cause: new RetryAfterError("rate limited", "30s"),
    });
    const back = roundTrip({ error, list: [new TimeoutError("slow"), new RangeError("range")] });
    const { error: e, list } = back as { error: Error; list: Error[] };
    assert.ok(e instanceof NonRetryableError);
    assert.equal(e.message, "no fact");
    assert.equal(e.stack, error.stack);
    assert.ok(e.cause instanceof RetryAfterError);
    assert.equal(e.cause.retryAfterMs, 30_000);
    assert.ok(list[0] instanceof TimeoutError);
    assert.ok(list[1] instanceof RangeError);
    assert.equal(list[1]?.message, "range");
    assert.equal((encode(error) as { $weir: string }).$weir, "Error");
  });

  test("decode leaves unknown tags as plain objects", () => {
    assert.deepEqual(decode({ $weir: "SomethingNew", v: 1 }), { $weir: "SomethingNew", v: 1 });
    assert.deepEqual(decode({ $weir: 5, v: 1 }), { $weir: 5, v: 1 });
  });
});

describe("values that cannot be stored", () => {
  test("a function throws a TypeError naming its path", () => {
    assert.throws(() => encode(() => 1), {
      name: "TypeError",
      message: "Cannot store function at $: results must be data",
    });
    assert.throws(() => encode({ list: [1, 2, () => 3] }), {
      name: "TypeError",
      message: "Cannot store function at $.list[2]: results must be data",
    });
    assert.throws(() => encode(new Map([["k", () => 1]])), {
      name: "TypeError",
      message: "Cannot store function at $.get(k): results must be data",
    });
    assert.throws(() => encode(new Set([1, () => 1])), {
      name: "TypeError",
      message: "Cannot store function at $[1]: results must be data",
    });
  });

  test("a symbol throws a TypeError naming its path", () => {
    assert.throws(() => encode([Symbol("s")]), {
      name: "TypeError",
      message: "Cannot store symbol at $[0]: results must be data",
    });
  });

  test("a cyclic structure throws a TypeError naming the path that loops", () => {
    const object: Record<string, unknown> = { a: { b: [] } };
    ((object.a as Record<string, unknown[]>).b as unknown[]).push(object);
    assert.throws(() => encode(object), {
      name: "TypeError",
      message: "Cannot store a cyclic structure: $.a.b[0] refers back to itself",
    });
    const map = new Map<string, unknown>();
    map.set("self", map);
    assert.throws(() => encode({ map }), {
      name: "TypeError",
      message: "Cannot store a cyclic structure: $.map.get(self) refers back to itself",
    });
    const list: unknown[] = [];
    list.push(list);
    assert.throws(() => encode(list), /\$\[0\] refers back to itself/);
  });

  test("a custom start path is used in messages", () => {
    assert.throws(() => encode([() => 1], "args"), /at args\[0\]/);
  });
});
