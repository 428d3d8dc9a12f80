/**
 * The runs list's filters: kept in the page's query string (so a filtered list can be
 * bookmarked, shared and reloaded) and turned into GET /api/runs queries. Pure functions,
 * unit-tested in runs_query.test.ts.
 *
 * @module
 */

/** Preset time ranges, Prefect-style, plus a custom one. */
export const TIME_RANGES = {
  any: { label: "Any time", ms: null },
  "1h": { label: "Past hour", ms: 3_600_000 },
  "24h": { label: "Past day", ms: 86_400_000 },
  "7d": { label: "Past 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Past 30 days", ms: 30 * 86_400_000 },
  custom: { label: "Custom range", ms: null },
} as const;

/** One of the {@link TIME_RANGES} keys. */
export type TimeRange = keyof typeof TIME_RANGES;

/** The filters, as the page holds them. Empty strings mean "no filter". */
export interface RunFilters {
  readonly flow: string;
  /** A deployment's id. */
  readonly deployment: string;
  readonly state: string;
  readonly tag: string;
  readonly range: TimeRange;
  /** For the custom range: `datetime-local` input values (local time, no zone). */
  readonly from: string;
  readonly to: string;
}

/** No filter at all. */
export const NO_FILTERS: RunFilters = {
  flow: "",
  deployment: "",
  state: "",
  tag: "",
  range: "any",
  from: "",
  to: "",
};

function isRange(value: string | null): value is TimeRange {
  return value !== null && Object.hasOwn(TIME_RANGES, value);
}

/**
 * Reads the filters from a page's query string.
 *
 * @example
 * ```ts
 * filtersFromSearch("?flow=cat-fact&state=FAILED"); // { flow: "cat-fact", state: "FAILED", ... }
 * ```
 */
export function filtersFromSearch(search: string): RunFilters {
  const q = new URLSearchParams(search);
  const range = q.get("range");
  return {
    flow: q.get("flow") ?? "",
    deployment: q.get("deployment") ?? "",
    state: q.get("state") ?? "",
    tag: q.get("tag") ?? "",
    range: isRange(range) ? range : "any",
    from: q.get("from") ?? "",
    to: q.get("to") ?? "",
  };
}

/**
 * The page query string for filters (without the defaults, so an unfiltered list is `/runs`).
 *
 * @example
 * ```ts
 * searchFromFilters({ ...NO_FILTERS, state: "FAILED" }); // "?state=FAILED"
 * ```
 */
export function searchFromFilters(filters: RunFilters): string {
  const q = new URLSearchParams();
  if (filters.flow !== "") q.set("flow", filters.flow);
  if (filters.deployment !== "") q.set("deployment", filters.deployment);
  if (filters.state !== "") q.set("state", filters.state);
  if (filters.tag !== "") q.set("tag", filters.tag);
  if (filters.range !== "any") q.set("range", filters.range);
  if (filters.range === "custom") {
    if (filters.from !== "") q.set("from", filters.from);
    if (filters.to !== "") q.set("to", filters.to);
  }
  const text = q.toString();
  return text === "" ? "" : `?${text}`;
}

/** A `datetime-local` value (local time) as epoch ms, or undefined when empty or invalid. */
function localToEpoch(value: string): number | undefined {
  if (value === "") return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The GET /api/runs query for filters, a page size and a cursor. `now` anchors the preset
 * ranges (passed in, so the same filters give the same query in tests).
 *
 * @example
 * ```ts
 * apiQuery({ ...NO_FILTERS, range: "1h" }, { now: 7_200_000, limit: 50 }); // "since=3600000&limit=50"
 * ```
 */
export function apiQuery(
  filters: RunFilters,
  options: { now: number; limit: number; cursor?: string | null },
): string {
  const q = new URLSearchParams();
  if (filters.flow !== "") q.set("flow", filters.flow);
  if (filters.deployment !== "") q.set("deployment", filters.deployment);
  if (filters.state !== "") q.set("state", filters.state);
  if (filters.tag !== "") q.set("tag", filters.tag.trim());
  const preset = TIME_RANGES[filters.range].ms;
  if (preset !== null) q.set("since", String(Math.max(0, options.now - preset)));
  if (filters.range === "custom") {
    const since = localToEpoch(filters.from);
    const until = localToEpoch(filters.to);
    if (since !== undefined) q.set("since", String(Math.max(0, since)));
    if (until !== undefined) q.set("until", String(Math.max(0, until)));
  }
  q.set("limit", String(options.limit));
  if (options.cursor !== undefined && options.cursor !== null) q.set("cursor", options.cursor);
  return q.toString();
}

/** Runs per page unless the query string says otherwise. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * The page size a query string asks for (`?limit=10`), within what the API allows (1–200).
 *
 * @example
 * ```ts
 * pageSize("?limit=10"); // 10
 * ```
 */
export function pageSize(search: string): number {
  const n = Number(new URLSearchParams(search).get("limit"));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 200) : DEFAULT_PAGE_SIZE;
}

/**
 * Whether any filter is set.
 *
 * @example
 * ```ts
 * isFiltered(NO_FILTERS); // false
 * ```
 */
export function isFiltered(filters: RunFilters): boolean {
  return searchFromFilters(filters) !== "";
}
