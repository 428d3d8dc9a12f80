/**
 * A run page's data: the run (loaded once over HTTP, then kept current by the live feed), its
 * graph (fetched again only when its steps change), and its log lines (paged from the API,
 * then appended from the feed; after a reconnect, the lines missed are fetched).
 *
 * @module
 */

import { useEffect, useRef, useState } from "preact/hooks";
import { ApiRequestError, api } from "../api/client.ts";
import type { LogLevelName, LogLine, RunDetail, RunGraph } from "../api/types.ts";
import { token } from "../auth.ts";
import { LiveFeed, type LiveStatus } from "../lib/live_socket.ts";
import { applyEntries, graphKey, graphMatches, isNotOlder, mergeLogs } from "../lib/live_state.ts";

/** Lines per log page. */
export const LOG_PAGE = 200;

/** The logs as the page shows them. */
export interface LogsState {
  readonly lines: readonly LogLine[];
  readonly level: LogLevelName;
  /** False while older pages remain to be fetched ("Load more"). */
  readonly complete: boolean;
  readonly loading: boolean;
  readonly error: unknown;
}

/** What {@link useLiveRun} gives the page. */
export interface LiveRun {
  readonly run: RunDetail | null;
  readonly error: unknown;
  readonly status: LiveStatus;
  readonly graph: RunGraph | null;
  readonly graphError: unknown;
  readonly logs: LogsState;
  setLevel(level: LogLevelName): void;
  loadMoreLogs(): void;
  /** Shows a run an action answered with, and asks the feed for a fresh snapshot. */
  accept(run: RunDetail): void;
}

/**
 * Loads and follows a run.
 *
 * @example
 * ```ts
 * const live = useLiveRun(id);
 * ```
 */
export function useLiveRun(id: string): LiveRun {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<unknown>();
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [graph, setGraph] = useState<RunGraph | null>(null);
  const [graphError, setGraphError] = useState<unknown>();
  const [logs, setLogs] = useState<LogsState>({
    lines: [],
    level: "INFO",
    complete: false,
    loading: true,
    error: undefined,
  });
  const logsRef = useRef(logs);
  logsRef.current = logs;
  const feedRef = useRef<LiveFeed | null>(null);
  // Live lines that arrive while pages are still being fetched: merged (each cursor once)
  // when the last page is in, so none is lost between a page's read and its arrival.
  const earlyLines = useRef<LogLine[]>([]);

  const show = (next: RunDetail | null) => {
    if (next === null) return;
    setRun((shown) => (isNotOlder(next, shown) ? next : shown));
  };

  /** Fetches pages after `after` until `pages` are read or the end; returns the lines. */
  async function fetchLogs(after: number, level: LogLevelName, pages: number) {
    const lines: LogLine[] = [];
    let cursor = after;
    for (let i = 0; i < pages; i++) {
      const page = await api.logs(id, { after: cursor, level, limit: LOG_PAGE });
      lines.push(...page.logs);
      cursor = page.nextCursor;
      if (page.logs.length < LOG_PAGE) return { lines, complete: true };
    }
    return { lines, complete: false };
  }

  async function loadLogs(level: LogLevelName, from: "start" | "end" | "gap") {
    const current = logsRef.current;
    const last = current.lines[current.lines.length - 1];
    const after = from === "start" ? 0 : (last?.cursor ?? 0);
    setLogs((l) => ({
      ...l,
      level,
      loading: true,
      error: undefined,
      ...(from === "start" ? { lines: [] } : {}),
    }));
    try {
      const got = await fetchLogs(after, level, from === "gap" ? 20 : 1);
      const early = got.complete ? earlyLines.current.splice(0) : [];
      setLogs((l) =>
        l.level !== level
          ? l
          : {
              ...l,
              lines: mergeLogs(from === "start" ? [] : l.lines, [...got.lines, ...early], level),
              complete: got.complete,
              loading: false,
            },
      );
    } catch (e) {
      setLogs((l) => ({ ...l, loading: false, error: e }));
    }
  }

  // The run over HTTP first (it shows the token prompt or the API's error if there is one),
  // and the live feed beside it. One feed per run id.
  useEffect(() => {
    let alive = true;
    api.run(id).then(
      (r) => alive && show(r),
      (e: unknown) => alive && setError(e),
    );
    void loadLogs(logsRef.current.level, "start");
    const feed = new LiveFeed(id, () => token.value, {
      snapshot: (r) => alive && show(r),
      journal: (entries) => alive && setRun((r) => (r === null ? r : applyEntries(r, entries))),
      log: (line) => {
        if (!alive) return;
        if (!logsRef.current.complete || logsRef.current.loading) earlyLines.current.push(line);
        setLogs((l) => (l.complete ? { ...l, lines: mergeLogs(l.lines, [line], l.level) } : l));
      },
      opened: (again) => {
        if (!alive) return;
        setError(undefined);
        if (again) void loadLogs(logsRef.current.level, "gap");
      },
      status: (s) => alive && setStatus(s),
      checkBeforeRetry: async () => {
        try {
          await api.run(id);
        } catch (e) {
          // Unknown run or no token: stop and say so. Anything else (the Worker restarting)
          // is worth another try.
          if (e instanceof ApiRequestError && e.status >= 400 && e.status < 500) {
            if (alive) setError(e);
            throw e;
          }
          if (!(e instanceof ApiRequestError)) throw e;
        }
      },
    });
    feedRef.current = feed;
    feed.start();
    return () => {
      alive = false;
      feed.stop();
      feedRef.current = null;
    };
  }, [id]);

  // A token saved after the feed gave up: connect again with it.
  const secret = token.value;
  useEffect(() => {
    if (secret !== null && feedRef.current !== null && status === "stopped") {
      setError(undefined);
      feedRef.current.start();
    }
  }, [secret]);

  // The graph: fetched when the steps or their states change, and not when it already
  // matches the run (the first fetch usually does).
  const key = graphKey(run);
  const graphRef = useRef(graph);
  graphRef.current = graph;
  useEffect(() => {
    if (run === null) return;
    const shown = graphRef.current;
    if (shown !== null && graphMatches(shown, run)) return;
    let alive = true;
    api.graph(id).then(
      (g) => {
        if (!alive) return;
        setGraph(g);
        setGraphError(undefined);
      },
      (e: unknown) => alive && setGraphError(e),
    );
    return () => {
      alive = false;
    };
  }, [id, key]);

  return {
    run,
    error,
    status,
    graph,
    graphError,
    logs,
    setLevel: (level) => void loadLogs(level, "start"),
    loadMoreLogs: () => void loadLogs(logsRef.current.level, "end"),
    accept: (next) => {
      show(next);
      feedRef.current?.refresh();
    },
  };
}
