/**
 * The dashboard's arithmetic, with no DOM: the time windows it offers (aligned to the local
 * clock, so an hour's bar is a wall-clock hour), the stacks of the runs-by-state bar chart, its
 * scale, and its axis labels. Pure, unit-tested in stats_chart.test.ts.
 *
 * @module
 */

import type { RunStats } from "../../../protocol/run_stats.ts";
import type { StateType } from "../api/types.ts";
import { stateTypeLabel } from "../lib/format.ts";

/** The windows the dashboard offers. */
export const WINDOWS = {
  "1h": { label: "Last hour", bucket: "5m", bucketMs: 300_000, buckets: 12, labelEvery: 3 },
  "24h": { label: "Last 24 hours", bucket: "1h", bucketMs: 3_600_000, buckets: 24, labelEvery: 6 },
  "7d": { label: "Last 7 days", bucket: "6h", bucketMs: 21_600_000, buckets: 28, labelEvery: 4 },
} as const;

/** One of the {@link WINDOWS}' names. */
export type WindowName = keyof typeof WINDOWS;

/**
 * The window named in a query string (`?window=1h`), or the default, 24 hours.
 *
 * @example
 * ```ts
 * windowFromSearch("?window=7d"); // "7d"
 * ```
 */
export function windowFromSearch(search: string): WindowName {
  const name = new URLSearchParams(search).get("window");
  return name !== null && Object.hasOwn(WINDOWS, name) ? (name as WindowName) : "24h";
}

/**
 * The time span of a window at `now`: whole buckets on the local clock, the last one holding
 * `now` (so the current hour has its own, growing, bar).
 *
 * @example
 * ```ts
 * const { since, until } = windowAt("24h", Date.now()); // since: 23 hours before this hour began
 * ```
 */
export function windowAt(name: WindowName, now: number): { since: number; until: number } {
  const { bucketMs, buckets } = WINDOWS[name];
  const d = new Date(now);
  // The start of the current bucket in local time: bucket sizes divide a day, and a day's
  // buckets start at local midnight.
  const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const current = midnight + Math.floor((now - midnight) / bucketMs) * bucketMs;
  const until = current + bucketMs;
  return { since: until - buckets * bucketMs, until };
}

/**
 * Bottom to top: completed runs at the base, failures on top where they catch the eye.
 */
export const STACK_ORDER: readonly StateType[] = [
  "COMPLETED",
  "RUNNING",
  "PENDING",
  "PAUSED",
  "SCHEDULED",
  "CANCELLING",
  "CANCELLED",
  "CRASHED",
  "FAILED",
];

/** A bar of the chart: its bucket and its stacked parts, in run counts from the baseline. */
export interface ChartBar {
  readonly start: number;
  readonly end: number;
  readonly total: number;
  readonly parts: readonly {
    readonly type: StateType;
    readonly from: number;
    readonly to: number;
  }[];
  /** What the bar says in words (its tooltip). */
  readonly title: string;
}

/**
 * A round scale maximum at or above `n` (1, 2, 5, 10, 20, 50…), at least 1.
 *
 * @example
 * ```ts
 * niceMax(7); // 10
 * ```
 */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * power >= n) return m * power;
  return 10 * power;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * A bucket's start as the axis shows it: `14:00`, or `Nov 28` at midnight when buckets are
 * hours or longer.
 *
 * @example
 * ```ts
 * bucketLabel(new Date(2026, 10, 28, 14).getTime(), 3_600_000); // "14:00"
 * ```
 */
export function bucketLabel(at: number, bucketMs: number): string {
  const d = new Date(at);
  if (bucketMs >= 3_600_000 && d.getHours() === 0 && d.getMinutes() === 0) {
    return d.toLocaleDateString("en", { month: "short", day: "numeric" });
  }
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The chart's bars and scale from the stats.
 *
 * @example
 * ```ts
 * const { bars, max } = chartBars(stats);
 * ```
 */
export function chartBars(stats: Pick<RunStats, "buckets" | "bucketMs">): {
  bars: ChartBar[];
  max: number;
} {
  let highest = 0;
  const bars = stats.buckets.map((bucket) => {
    let from = 0;
    const parts: { type: StateType; from: number; to: number }[] = [];
    for (const type of STACK_ORDER) {
      const n = bucket.counts[type] ?? 0;
      if (n === 0) continue;
      parts.push({ type, from, to: from + n });
      from += n;
    }
    highest = Math.max(highest, from);
    const counts = [...parts]
      .reverse()
      .map((p) => `${p.to - p.from} ${stateTypeLabel(p.type)}`)
      .join(", ");
    const when = `${bucketLabel(bucket.start, stats.bucketMs)}–${bucketLabel(bucket.end, stats.bucketMs)}`;
    return {
      start: bucket.start,
      end: bucket.end,
      total: from,
      parts,
      title: `${when}: ${from === 0 ? "no runs" : `${from} ${from === 1 ? "run" : "runs"} (${counts})`}`,
    };
  });
  return { bars, max: niceMax(highest) };
}

/**
 * The axis labels: every `every`th bucket's start, by bucket index.
 *
 * @example
 * ```ts
 * axisLabels(stats, 6); // [{ index: 0, label: "15:00" }, { index: 6, label: "21:00" }, …]
 * ```
 */
export function axisLabels(
  stats: Pick<RunStats, "buckets" | "bucketMs">,
  every: number,
): { index: number; label: string }[] {
  const out: { index: number; label: string }[] = [];
  stats.buckets.forEach((bucket, index) => {
    if (index % every === 0) out.push({ index, label: bucketLabel(bucket.start, stats.bucketMs) });
  });
  return out;
}
