/**
 * Formatting for people: durations, times, and run states with Prefect's names and colours.
 * Pure functions, unit-tested in format.test.ts.
 *
 * @module
 */

// The runtime's states module has no imports and no platform code: the UI bundles it, so the
// list of types and which are final cannot drift from the engine's.
import { FINAL_STATE_TYPES, StateType as StateTypes } from "../../../runtime/states.ts";
import type { StateType } from "../api/types.ts";

/**
 * A duration the way Prefect shows one: `0.35s`, `12s`, `3m 5s`, `1h 2m`, `2d 3h`.
 *
 * @example
 * ```ts
 * formatDuration(185_000); // "3m 5s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return ms < 10 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const totalSeconds = Math.floor(seconds);
  const s = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes}m ${s}s`;
  const m = totalMinutes % 60;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return `${totalHours}h ${m}m`;
  return `${Math.floor(totalHours / 24)}d ${totalHours % 24}h`;
}

/**
 * How long something ran: from its start to its end, or to `now` while it runs. Null when it
 * has not started.
 *
 * @example
 * ```ts
 * runDuration(1000, null, 4000); // 3000
 * ```
 */
export function runDuration(
  startedAt: number | null | undefined,
  endedAt: number | null | undefined,
  now: number,
): number | null {
  if (startedAt === null || startedAt === undefined) return null;
  return Math.max(0, (endedAt ?? now) - startedAt);
}

/**
 * How long a run actually ran: the sum of the spans its state history spent in a RUNNING
 * state (Running, Retrying), the open one counted to `now`. Time scheduled, waiting for a
 * retry of the whole run, or suspended does not count, so a run retried after an hour's delay
 * shows the seconds it ran, not the hour. Null when it never ran.
 *
 * @example
 * ```ts
 * // Ran 2s, failed, waited an hour for its retry, ran 3s more.
 * runningTime([pending(0), running(0), awaitingRetry(2000), retrying(3_602_000), completed(3_605_000)], now); // 5000
 * ```
 */
export function runningTime(
  history: readonly { readonly type: StateType; readonly timestamp: number }[],
  now: number,
): number | null {
  let total = 0;
  let ran = false;
  history.forEach((state, i) => {
    if (state.type !== "RUNNING") return;
    ran = true;
    const end = history[i + 1]?.timestamp ?? now;
    total += Math.max(0, end - state.timestamp);
  });
  return ran ? total : null;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * A moment in local time, `2026-11-24 03:42:05`, sortable and unambiguous.
 *
 * @example
 * ```ts
 * formatTime(Date.now());
 * ```
 */
export function formatTime(epochMs: number | null | undefined, withMs = false): string {
  if (epochMs === null || epochMs === undefined) return "—";
  const d = new Date(epochMs);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

/**
 * A moment relative to now: `just now`, `5s ago`, `3m ago`, `in 2h`.
 *
 * @example
 * ```ts
 * formatRelative(now - 65_000, now); // "1m ago"
 * ```
 */
export function formatRelative(epochMs: number, now: number): string {
  const delta = now - epochMs;
  const abs = Math.abs(delta);
  if (abs < 2000) return "just now";
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  const [size, unit] = units.find(([size]) => abs >= size) ?? [1000, "s"];
  const n = Math.floor(abs / size);
  return delta >= 0 ? `${n}${unit} ago` : `in ${n}${unit}`;
}

/** The nine state types, in the order Prefect's filters list them (the runtime's order). */
export const STATE_TYPES: readonly StateType[] = Object.values(StateTypes);

/**
 * Whether a state type is final.
 *
 * @example
 * ```ts
 * isFinalType("FAILED"); // true
 * ```
 */
export function isFinalType(type: string | null | undefined): boolean {
  return type !== null && type !== undefined && FINAL_STATE_TYPES.has(type as StateType);
}

/**
 * The label of a state type, as Prefect's filters name it (`COMPLETED` → `Completed`).
 *
 * @example
 * ```ts
 * stateTypeLabel("CANCELLING"); // "Cancelling"
 * ```
 */
export function stateTypeLabel(type: string): string {
  return type.charAt(0) + type.slice(1).toLowerCase();
}

/**
 * The CSS class that colours a state (one per type; see styles.css). Unknown types get the
 * neutral colour rather than none, so a newer API's state still shows.
 *
 * @example
 * ```ts
 * stateClass("FAILED"); // "state-failed"
 * ```
 */
export function stateClass(type: string | null | undefined): string {
  const known = type !== null && type !== undefined && STATE_TYPES.includes(type as StateType);
  return known ? `state-${type.toLowerCase()}` : "state-pending";
}

/**
 * The colour of a state type, for SVG fills (the same palette as styles.css).
 *
 * @example
 * ```ts
 * stateColor("COMPLETED"); // "#2ac769"
 * ```
 */
export function stateColor(type: string | null | undefined): string {
  switch (type) {
    case "SCHEDULED":
      return "#e5b100";
    case "RUNNING":
      return "#1860f2";
    case "PAUSED":
      return "#8b8fa3";
    case "CANCELLING":
    case "CANCELLED":
      return "#3d3d3d";
    case "COMPLETED":
      return "#2ac769";
    case "FAILED":
      return "#fb4e4e";
    case "CRASHED":
      return "#f97316";
    default:
      return "#a5adbd";
  }
}

/**
 * Text for a value that may be large: pretty JSON, cut at `limit` characters with a note of
 * how much was left out.
 *
 * @example
 * ```ts
 * prettyJson({ a: 1 }); // '{\n  "a": 1\n}'
 * ```
 */
export function prettyJson(value: unknown, limit = Number.POSITIVE_INFINITY): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n… ${text.length - limit} more characters`;
}
