import assert from "node:assert/strict";
import { test } from "node:test";
import { WeirApiError, WeirUnreachableError } from "./errors.ts";
import { queryString } from "./http_util.ts";

test("an API error keeps the status, code and field", async () => {
  const body = { error: { code: "invalid_value", message: "too deep", field: "parameters" } };
  const error = await WeirApiError.fromResponse(
    new Response(JSON.stringify(body), { status: 422 }),
  );
  assert.equal(error.status, 422);
  assert.equal(error.code, "invalid_value");
  assert.equal(error.field, "parameters");
  assert.equal(error.message, "too deep");
});

test("a non-JSON error answer still becomes a WeirApiError", async () => {
  const error = await WeirApiError.fromResponse(
    new Response("Bad gateway", { status: 502, statusText: "Bad Gateway" }),
  );
  assert.equal(error.status, 502);
  assert.equal(error.code, "http_502");
  assert.equal(error.message, "Bad gateway");
  assert.equal(error.field, undefined);
});

test("an unreachable server names the URL and the innermost cause", () => {
  const socket = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
    code: "ECONNREFUSED",
  });
  const error = new WeirUnreachableError(
    "http://127.0.0.1:1",
    new TypeError("fetch failed", { cause: socket }),
  );
  assert.equal(error.url, "http://127.0.0.1:1");
  assert.match(
    error.message,
    /http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1 \(ECONNREFUSED\)/,
  );
});

test("query strings leave out undefined values", () => {
  assert.equal(queryString({ flow: "a b", cursor: undefined, limit: 5 }), "?flow=a+b&limit=5");
  assert.equal(queryString({}), "");
});
