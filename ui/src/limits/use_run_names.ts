/**
 * The names of the runs that hold or wait for slots: the API's holders and waiters carry run
 * ids and the label of what holds (often a group's name, the same in every run), so the pages
 * ask for each run once (GET /api/runs/{id}) and show its name. A run's name never changes, so
 * the answers are kept for the page's life; until one arrives the short id shows.
 *
 * @module
 */

import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client.ts";

/** Names known, or null when the run could not be read (shown by id). */
const known = new Map<string, string | null>();
const asked = new Set<string>();

/** At most this many runs are looked up for one page (the rest show by id). */
const MAX_LOOKUPS = 50;

/**
 * The names of `ids`' runs known so far; the component re-renders as they arrive.
 *
 * @example
 * ```ts
 * const names = useRunNames(limit.holders.map((h) => h.runId));
 * names.get(runId) ?? runId.slice(0, 8);
 * ```
 */
export function useRunNames(ids: readonly string[]): ReadonlyMap<string, string | null> {
  const [, setVersion] = useState(0);
  const missing = [...new Set(ids)].filter((id) => !asked.has(id)).slice(0, MAX_LOOKUPS);
  const key = missing.join(",");
  useEffect(() => {
    if (missing.length === 0) return;
    let live = true;
    for (const id of missing) asked.add(id);
    void Promise.all(
      missing.map((id) =>
        api.run(id).then(
          (run) => known.set(id, run.name),
          () => known.set(id, null),
        ),
      ),
    ).then(() => {
      if (live) setVersion((v) => v + 1);
    });
    return () => {
      live = false;
    };
  }, [key]);
  return known;
}
