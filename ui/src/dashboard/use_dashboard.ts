/**
 * The dashboard's data, kept live: the runs-by-state counts of the window and the failed, late
 * and upcoming runs, fetched together and then again every few seconds while the page is
 * visible (as the runs list polls: stopping while the tab is hidden, fetching at once when it
 * shows again). The window moves with the clock, so the current hour's bar grows and old hours
 * leave.
 *
 * @module
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { RunList, RunStats } from "../../../protocol/run_stats.ts";
import { api } from "../api/client.ts";
import { WINDOWS, type WindowName, windowAt } from "./stats_chart.ts";

/** How often the dashboard polls while visible. */
export const DASHBOARD_POLL_MS = 5000;

/** How many runs each list shows. */
export const LIST_LIMIT = 8;

/** One answer of every request the dashboard makes. */
export interface DashboardData {
  readonly stats: RunStats;
  readonly failed: RunList;
  readonly late: RunList;
  readonly upcoming: RunList;
  /** When it was fetched (epoch ms), for relative times. */
  readonly at: number;
}

/** What {@link useDashboard} gives the page. */
export interface Dashboard {
  readonly data: DashboardData | undefined;
  /** The first load's error (nothing can be shown). */
  readonly error: unknown;
  /** Whether the last poll succeeded. */
  readonly live: boolean;
}

/**
 * Fetches everything the dashboard shows for a window at `now`.
 *
 * @example
 * ```ts
 * const data = await fetchDashboard("24h", Date.now());
 * ```
 */
export async function fetchDashboard(name: WindowName, now: number): Promise<DashboardData> {
  const { since, until } = windowAt(name, now);
  const window = `since=${since}&until=${until}`;
  const [stats, failed, late, upcoming] = await Promise.all([
    api.runStats(`${window}&bucket=${WINDOWS[name].bucket}`),
    api.runList("failed", `${window}&limit=${LIST_LIMIT}`),
    api.runList("late", `limit=${LIST_LIMIT}`),
    api.runList("upcoming", `limit=${LIST_LIMIT}`),
  ]);
  return { stats, failed, late, upcoming, at: now };
}

/**
 * The dashboard's data for a window, polled while visible.
 *
 * @example
 * ```ts
 * const { data, error, live } = useDashboard("24h");
 * ```
 */
export function useDashboard(name: WindowName, pollMs = DASHBOARD_POLL_MS): Dashboard {
  const [data, setData] = useState<DashboardData>();
  const [error, setError] = useState<unknown>();
  const [live, setLive] = useState(true);
  const dataRef = useRef<DashboardData | undefined>(undefined);
  dataRef.current = data;
  // Bumped when the window changes: answers for an older window are dropped.
  const generation = useRef(0);

  useEffect(() => {
    const mine = ++generation.current;
    setData(undefined);
    setError(undefined);
    setLive(true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight = false;
    const schedule = () => {
      clearTimeout(timer);
      if (document.visibilityState === "visible") timer = setTimeout(poll, pollMs);
    };
    async function poll() {
      if (inFlight || mine !== generation.current) return;
      inFlight = true;
      clearTimeout(timer);
      try {
        const fresh = await fetchDashboard(name, Date.now());
        if (mine !== generation.current) return;
        setData(fresh);
        setError(undefined);
        setLive(true);
      } catch (e) {
        if (mine !== generation.current) return;
        if (dataRef.current === undefined) setError(e);
        setLive(false);
      } finally {
        inFlight = false;
        if (mine === generation.current) schedule();
      }
    }
    const onVisibility = () => {
      if (document.visibilityState === "visible") void poll();
      else clearTimeout(timer);
    };
    document.addEventListener("visibilitychange", onVisibility);
    void poll();
    return () => {
      generation.current++;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [name, pollMs]);

  return { data, error, live };
}
