/**
 * The runs list, kept live. The API has no list-level feed, so while the page is visible this
 * polls GET /api/runs with the page's filters every few seconds (stopping while the tab is
 * hidden, polling at once when it shows again) and merges the answer into what is shown by
 * run id: new runs appear at the top, changed runs change in place, and runs the user fetched
 * with "Load more" stay, as does the "Load more" cursor (the API's cursor is a position in
 * the newest-first order, which new runs do not move).
 *
 * @module
 */

import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/client.ts";
import type { RunPage, RunSummary } from "../api/types.ts";
import { apiQuery, filtersFromSearch, pageSize } from "../lib/runs_query.ts";

/** How often the list polls while the page is visible. */
export const POLL_MS = 3000;

/** The runs shown and where "Load more" continues. */
export interface ShownRuns {
  readonly runs: readonly RunSummary[];
  readonly count: number;
  /** The API's cursor after the last run shown; null when there are no more. */
  readonly cursor: string | null;
}

/** Whether `a` comes before `b` in the API's order (created_at DESC, id DESC). */
function newer(a: RunSummary, b: RunSummary): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
}

/**
 * Merges a fresh first page (fetched with at least as many runs as are shown) into the runs
 * shown. Where the fresh page reaches, it wins (new runs, changed states, runs that left the
 * filter); below it the shown runs stay; the list still ends at the same place, so the
 * "Load more" cursor stays valid.
 *
 * @example
 * ```ts
 * const next = mergeFresh(shown, await api.runs(query));
 * ```
 */
export function mergeFresh(shown: ShownRuns, fresh: RunPage): ShownRuns {
  const last = fresh.runs[fresh.runs.length - 1];
  const end = shown.runs[shown.runs.length - 1];
  // The fresh page holds every run there is, or there was nothing shown to keep.
  if (fresh.nextCursor === null || last === undefined || end === undefined) {
    return { runs: fresh.runs, count: fresh.count, cursor: fresh.nextCursor };
  }
  if (!newer(last, end)) {
    // The fresh page reaches the end of the list: it is the list, down to that end.
    const runs = fresh.runs.filter((r) => r.id === end.id || newer(r, end));
    return { runs, count: fresh.count, cursor: shown.cursor };
  }
  // The fresh page stops short: keep the shown runs below it.
  const ids = new Set(fresh.runs.map((r) => r.id));
  const rest = shown.runs.filter((r) => newer(last, r) && !ids.has(r.id));
  return { runs: [...fresh.runs, ...rest], count: fresh.count, cursor: shown.cursor };
}

/**
 * Appends the page "Load more" fetched, skipping runs already shown.
 *
 * @example
 * ```ts
 * const next = appendPage(shown, await api.runs(query));
 * ```
 */
export function appendPage(shown: ShownRuns, page: RunPage): ShownRuns {
  const ids = new Set(shown.runs.map((r) => r.id));
  return {
    runs: [...shown.runs, ...page.runs.filter((r) => !ids.has(r.id))],
    count: page.count,
    cursor: page.nextCursor,
  };
}

/** What {@link useLiveRuns} gives the page. */
export interface LiveRuns {
  readonly shown: ShownRuns | undefined;
  /** The first load's error (the list cannot be shown). */
  readonly error: unknown;
  /** Whether the last poll succeeded. */
  readonly live: boolean;
  readonly loadingMore: boolean;
  readonly moreError: unknown;
  loadMore(): void;
  /** Polls now. */
  refresh(): void;
}

/**
 * The runs for a runs page query string, polled while visible.
 *
 * @example
 * ```ts
 * const list = useLiveRuns(props.search);
 * ```
 */
export function useLiveRuns(search: string, pollMs = POLL_MS): LiveRuns {
  const [shown, setShown] = useState<ShownRuns>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>();
  const shownRef = useRef<ShownRuns | undefined>(undefined);
  shownRef.current = shown;
  // Bumped when the query changes: answers to an older query are dropped.
  const generation = useRef(0);
  const poll = useRef<() => void>(() => undefined);

  useEffect(() => {
    const mine = ++generation.current;
    const filters = filtersFromSearch(search);
    const limit = pageSize(search);
    setShown(undefined);
    setError(undefined);
    setMoreError(undefined);
    setLive(true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const schedule = () => {
      clearTimeout(timer);
      if (document.visibilityState === "visible") timer = setTimeout(fetchFresh, pollMs);
    };
    async function fetchFresh() {
      if (inFlight || mine !== generation.current) return;
      inFlight = true;
      clearTimeout(timer);
      // As many runs as are shown (Load more included), within the API's page limit.
      const want = Math.min(200, Math.max(limit, shownRef.current?.runs.length ?? 0));
      try {
        const fresh = await api.runs(apiQuery(filters, { now: Date.now(), limit: want }));
        if (mine !== generation.current) return;
        setShown((s) => mergeFresh(s ?? EMPTY, fresh));
        setLive(true);
      } catch (e) {
        if (mine !== generation.current) return;
        if (shownRef.current === undefined) setError(e);
        setLive(false);
      } finally {
        inFlight = false;
        if (mine === generation.current) schedule();
      }
    }
    const onVisibility = () => {
      if (document.visibilityState === "visible") void fetchFresh();
      else clearTimeout(timer);
    };
    poll.current = () => void fetchFresh();
    document.addEventListener("visibilitychange", onVisibility);
    void fetchFresh();
    return () => {
      generation.current++;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [search, pollMs]);

  const loadMore = useCallback(async () => {
    const cursor = shownRef.current?.cursor;
    if (cursor === null || cursor === undefined) return;
    const mine = generation.current;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const query = apiQuery(filtersFromSearch(search), {
        now: Date.now(),
        limit: pageSize(search),
        cursor,
      });
      const page = await api.runs(query);
      if (mine === generation.current) setShown((s) => appendPage(s ?? EMPTY, page));
    } catch (e) {
      if (mine === generation.current) setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  }, [search]);

  return {
    shown,
    error,
    live,
    loadingMore,
    moreError,
    loadMore: () => void loadMore(),
    refresh: () => poll.current(),
  };
}

const EMPTY: ShownRuns = { runs: [], count: 0, cursor: null };
