import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  apiQuery,
  filtersFromSearch,
  isFiltered,
  NO_FILTERS,
  pageSize,
  searchFromFilters,
} from "./runs_query.ts";

describe("filters in the query string", () => {
  it("round-trip, leaving defaults out", () => {
    const filters = { ...NO_FILTERS, flow: "cat-fact", state: "FAILED", tag: "nightly" };
    const search = searchFromFilters(filters);
    assert.equal(search, "?flow=cat-fact&state=FAILED&tag=nightly");
    assert.deepEqual(filtersFromSearch(search), filters);
    assert.equal(searchFromFilters(NO_FILTERS), "");
    assert.deepEqual(filtersFromSearch(""), NO_FILTERS);
  });
  it("keep the deployment filter and pass it to the API", () => {
    const filters = { ...NO_FILTERS, deployment: "d-1", state: "SCHEDULED" };
    assert.equal(searchFromFilters(filters), "?deployment=d-1&state=SCHEDULED");
    assert.deepEqual(filtersFromSearch("?deployment=d-1&state=SCHEDULED"), filters);
    const q = new URLSearchParams(apiQuery(filters, { now: 0, limit: 5 }));
    assert.equal(q.get("deployment"), "d-1");
    assert.equal(q.get("state"), "SCHEDULED");
  });
  it("keep custom bounds only for the custom range, and ignore unknown ranges", () => {
    const custom = { ...NO_FILTERS, range: "custom" as const, from: "2026-11-01T10:00", to: "" };
    assert.equal(searchFromFilters(custom), "?range=custom&from=2026-11-01T10%3A00");
    assert.equal(searchFromFilters({ ...custom, range: "1h" }), "?range=1h");
    assert.equal(filtersFromSearch("?range=forever").range, "any");
    assert.equal(isFiltered(NO_FILTERS), false);
    assert.equal(isFiltered({ ...NO_FILTERS, range: "7d" }), true);
  });
});

describe("apiQuery", () => {
  const now = 100 * 86_400_000;
  it("passes the filters, the page size and the cursor to GET /api/runs", () => {
    const q = new URLSearchParams(
      apiQuery(
        { ...NO_FILTERS, flow: "main-flow", state: "COMPLETED", tag: " demo " },
        { now, limit: 50, cursor: "abc" },
      ),
    );
    assert.deepEqual(Object.fromEntries(q), {
      flow: "main-flow",
      state: "COMPLETED",
      tag: "demo",
      limit: "50",
      cursor: "abc",
    });
  });
  it("turns preset ranges into `since` from now", () => {
    const q = new URLSearchParams(apiQuery({ ...NO_FILTERS, range: "24h" }, { now, limit: 10 }));
    assert.equal(q.get("since"), String(now - 86_400_000));
    assert.equal(q.get("until"), null);
    assert.equal(q.get("cursor"), null);
  });
  it("turns a custom range's local times into epoch ms, skipping what is empty or invalid", () => {
    const from = "2026-11-01T10:00";
    const q = new URLSearchParams(
      apiQuery({ ...NO_FILTERS, range: "custom", from, to: "nonsense" }, { now, limit: 10 }),
    );
    assert.equal(q.get("since"), String(new Date(from).getTime()));
    assert.equal(q.get("until"), null);
  });
});

describe("pageSize", () => {
  it("reads ?limit within the API's bounds, else 50", () => {
    assert.equal(pageSize("?limit=10"), 10);
    assert.equal(pageSize("?state=FAILED&limit=1"), 1);
    assert.equal(pageSize("?limit=999"), 200);
    assert.equal(pageSize("?limit=0"), 50);
    assert.equal(pageSize("?limit=abc"), 50);
    assert.equal(pageSize(""), 50);
  });
});
