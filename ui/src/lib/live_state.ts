/**
 * The pure side of following a run live: reconnect delays, what a journal batch changes at
 * once (the run's state, before the fresh snapshot it triggers arrives), and merging log
 * lines from pages and the feed. Unit-tested in live_state.test.ts.
 *
 * @module
 */

import { LOG_LEVELS } from "../../../protocol/log_levels.ts";
import type { JournalEntry, LogLevelName, LogLine, RunDetail, RunGraph } from "../api/types.ts";

export { LOG_LEVELS };

/**
 * Whether a line passes a minimum level.
 *
 * @example
 * ```ts
 * atLeast("ERROR", "WARNING"); // true
 * ```
 */
export function atLeast(level: string, min: LogLevelName): boolean {
  const rank = LOG_LEVELS.indexOf(level as LogLevelName);
  return rank === -1 || rank >= LOG_LEVELS.indexOf(min);
}

/**
 * How long to wait before reconnecting after `attempt` failures in a row: 0.5 s doubling to
 * 15 s, each with jitter between half and all of it, so many watchers of a restarted Worker
 * do not all come back in the same instant.
 *
 * @example
 * ```ts
 * backoffDelay(0, () => 1); // 500
 * ```
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(15_000, 500 * 2 ** Math.max(0, attempt));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * The run after a journal batch, as far as the batch says on its own: a new run state is
 * shown at once (the badge and the timeline move before the full snapshot arrives).
 *
 * @example
 * ```ts
 * run = applyEntries(run, message.entries);
 * ```
 */
export function applyEntries(run: RunDetail, entries: readonly JournalEntry[]): RunDetail {
  let next = run;
  for (const entry of entries) {
    if (entry.type !== "run.state") continue;
    const last = next.stateHistory[next.stateHistory.length - 1];
    if (
      last !== undefined &&
      last.timestamp === entry.state.timestamp &&
      last.name === entry.state.name
    )
      continue;
    next = { ...next, state: entry.state, stateHistory: [...next.stateHistory, entry.state] };
  }
  return next;
}

/**
 * Whether a snapshot is newer than or the same as what is shown; a reply to an older request
 * must not move the page back.
 *
 * @example
 * ```ts
 * if (isNotOlder(snapshot, shown)) shown = snapshot;
 * ```
 */
export function isNotOlder(candidate: RunDetail, shown: RunDetail | null): boolean {
  if (shown === null || shown.id !== candidate.id) return true;
  return candidate.stateHistory.length >= shown.stateHistory.length;
}

/**
 * A key that changes whenever the run's graph would: its steps and their states. The page
 * fetches the graph again only when it changes.
 *
 * @example
 * ```ts
 * if (graphKey(next) !== graphKey(prev)) reloadGraph();
 * ```
 */
export function graphKey(run: RunDetail | null): string {
  if (run === null) return "";
  return run.steps
    .map((s) => `${s.id}:${s.state.type}:${s.state.name}:${s.endedAt ?? ""}`)
    .join("|");
}

/**
 * Whether a graph is already the one a run's snapshot describes (same steps, same states), so
 * a page can skip fetching it again.
 *
 * @example
 * ```ts
 * graphMatches(graph, run); // true
 * ```
 */
export function graphMatches(graph: RunGraph, run: RunDetail): boolean {
  if (graph.nodes.length !== run.steps.length) return false;
  return run.steps.every((step, i) => {
    const node = graph.nodes[i];
    return node !== undefined && node.id === step.id && node.state.name === step.state.name;
  });
}

/**
 * Adds log lines to those shown: each cursor once, in cursor order, at or above the level.
 *
 * @example
 * ```ts
 * lines = mergeLogs(lines, [message.log], "INFO");
 * ```
 */
export function mergeLogs(
  shown: readonly LogLine[],
  incoming: readonly LogLine[],
  min: LogLevelName,
): LogLine[] {
  const kept = incoming.filter((line) => atLeast(line.level, min));
  if (kept.length === 0) return shown as LogLine[];
  const last = shown[shown.length - 1];
  // The common case, a live line after the last one shown, needs no sort.
  if (kept.length === 1 && (last === undefined || (kept[0] as LogLine).cursor > last.cursor)) {
    return [...shown, kept[0] as LogLine];
  }
  const byCursor = new Map<number, LogLine>();
  for (const line of shown) byCursor.set(line.cursor, line);
  for (const line of kept) byCursor.set(line.cursor, line);
  return [...byCursor.values()].sort((a, b) => a.cursor - b.cursor);
}
