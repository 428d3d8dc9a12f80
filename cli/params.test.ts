import assert from "node:assert/strict";
import { test } from "node:test";
import { buildParams, parseAt, parseJsonOption, parseParam, parseSince } from "./params.ts";
import { UsageError } from "./usage_error.ts";

test("a --param value is JSON when it parses, else text", () => {
  assert.deepEqual(parseParam("n=3"), ["n", 3]);
  assert.deepEqual(parseParam("ok=true"), ["ok", true]);
  assert.deepEqual(parseParam('xs=["a",1]'), ["xs", ["a", 1]]);
  assert.deepEqual(parseParam("url=https://x.test/a=b"), ["url", "https://x.test/a=b"]);
  assert.deepEqual(parseParam("s="), ["s", ""]);
  assert.deepEqual(parseParam('q="3"'), ["q", "3"]);
});

test("a --param without KEY= is a usage error", () => {
  assert.throws(() => parseParam("n"), UsageError);
  assert.throws(() => parseParam("=3"), UsageError);
});

test("--param values override the params file", () => {
  assert.deepEqual(buildParams(["n=3"], { n: 1, url: "x" }), { n: 3, url: "x" });
  assert.deepEqual(buildParams([]), {});
  assert.throws(() => buildParams([], [1]), UsageError);
  assert.throws(() => buildParams([], "x"), UsageError);
});

test("--at takes ISO 8601, epoch ms and +N units", () => {
  assert.equal(parseAt("+5m", 1000), 301_000);
  assert.equal(parseAt("+2h", 0), 7_200_000);
  assert.equal(parseAt("1893456000000"), 1_893_456_000_000);
  assert.equal(parseAt("2030-01-01T00:00:00Z"), 1_893_456_000_000);
  assert.throws(() => parseAt("tomorrow"), UsageError);
});

test("--data must be JSON", () => {
  assert.deepEqual(parseJsonOption("--data", '{"a":1}'), { a: 1 });
  assert.throws(() => parseJsonOption("--data", "{a"), /--data must be JSON/);
});

test("--since takes a span ago or a time", () => {
  assert.equal(parseSince("2h", 7_200_000), 0);
  assert.equal(parseSince("30s", 30_000), 0);
  assert.equal(parseSince("1893456000000"), 1_893_456_000_000);
});
