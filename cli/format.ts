/**
 * How the CLI shows things to people: aligned tables, relative times, durations, and states
 * coloured by type. Colour only when asked (the caller decides: a TTY without `NO_COLOR`).
 *
 * @module
 */

import type { Deployment, ScheduleSpec } from "../protocol/deployment.ts";
import { describeSchedule } from "../protocol/schedule_words.ts";

/**
 * Whether to colour output: stdout is a terminal, `NO_COLOR` is unset or empty, and TERM is
 * not `dumb`.
 *
 * @example
 * ```ts
 * const color = useColor(process.stdout.isTTY, process.env);
 * ```
 */
export function useColor(
  isTTY: boolean | undefined,
  env: Record<string, string | undefined>,
): boolean {
  return isTTY === true && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
}

const CODES: Record<string, number> = {
  COMPLETED: 32, // green
  FAILED: 31, // red
  CRASHED: 31,
  CANCELLED: 90, // grey
  CANCELLING: 33, // yellow
  RUNNING: 34, // blue
  PENDING: 36, // cyan
  SCHEDULED: 33,
  PAUSED: 35, // magenta
};

/**
 * A state's name, coloured by its type when `color` is on.
 *
 * @example
 * ```ts
 * stateText({ type: "FAILED", name: "Failed" }, true); // "\u001b[31mFailed\u001b[0m"
 * ```
 */
export function stateText(
  state: { readonly type: string; readonly name: string } | null | undefined,
  color: boolean,
): string {
  if (state === null || state === undefined) return "-";
  const code = CODES[state.type];
  return color && code !== undefined ? `\u001b[${code}m${state.name}\u001b[0m` : state.name;
}

/**
 * Bold text when `color` is on.
 *
 * @example
 * ```ts
 * bold("NAME", false); // "NAME"
 * ```
 */
export function bold(text: string, color: boolean): string {
  return color ? `\u001b[1m${text}\u001b[0m` : text;
}

/** The text's width on screen, without colour codes. */
function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ANSI escape itself
  return [...text.replace(/\u001b\[[0-9;]*m/g, "")].length;
}

/**
 * Rows aligned in columns two spaces apart (the last column is not padded), with a header.
 *
 * @example
 * ```ts
 * table(["NAME", "STATE"], [["a", "Completed"]]);
 * // "NAME  STATE\na     Completed"
 * ```
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => visibleLength(r[i] ?? ""))));
  return all
    .map((row) =>
      row
        .map((cell, i) =>
          i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)),
        )
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * A time relative to `now`: `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`, `in 5m`.
 *
 * @example
 * ```ts
 * relativeTime(0, 90_000); // "1m ago"
 * ```
 */
export function relativeTime(ms: number | null | undefined, now: number = Date.now()): string {
  if (ms === null || ms === undefined) return "-";
  const diff = now - ms;
  if (Math.abs(diff) < 1000) return "just now";
  const text = duration(Math.abs(diff), true);
  return diff > 0 ? `${text} ago` : `in ${text}`;
}

/**
 * A duration: `850ms`, `4.2s`, `3m 12s`, `2h 5m`, `3d 4h` (or only the largest unit, `coarse`).
 *
 * @example
 * ```ts
 * duration(192_000); // "3m 12s"
 * ```
 */
export function duration(ms: number, coarse = false): string {
  if (ms < 1000) return coarse ? `${Math.round(ms / 1000)}s` : `${Math.round(ms)}ms`;
  if (ms < 60_000) return coarse ? `${Math.floor(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  const index = units.findIndex(([size]) => ms >= size);
  const [size, unit] = units[index] as [number, string];
  const first = `${Math.floor(ms / size)}${unit}`;
  const next = units[index + 1];
  if (coarse || next === undefined) return first;
  const rest = Math.floor((ms % size) / next[0]);
  return rest === 0 ? first : `${first} ${rest}${next[1]}`;
}

/**
 * A run's or step's duration from its start and end (to `now` while it runs), or "-".
 *
 * @example
 * ```ts
 * span(1000, 4000); // "3.0s"
 * ```
 */
export function span(
  start: number | null | undefined,
  end: number | null | undefined,
  now: number = Date.now(),
): string {
  if (start === null || start === undefined) return "-";
  return duration(Math.max(0, (end ?? now) - start));
}

/**
 * A clock time for a line of a log or a watch: `HH:MM:SS` in local time.
 *
 * @example
 * ```ts
 * clock(Date.now()); // "14:03:12"
 * ```
 */
export function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/**
 * A schedule spec as typed on the command line: `cron 0 *\/2 * * *`, `interval 2h`,
 * `rrule FREQ=DAILY`, with ` (America/Sao_Paulo)` when it has a time zone.
 *
 * @example
 * ```ts
 * scheduleSpecText({ cron: "0 0 * * *", timezone: "Europe/Madrid" }); // "cron 0 0 * * * (Europe/Madrid)"
 * ```
 */
export function scheduleSpecText(spec: ScheduleSpec): string {
  const zone = spec.timezone === undefined ? "" : ` (${spec.timezone})`;
  if ("cron" in spec)
    return `cron ${spec.cron}${zone}${spec.dayOr === false ? " dayOr=false" : ""}`;
  if ("rrule" in spec) return `rrule ${spec.rrule.replace(/\s*\n\s*/g, " ")}${zone}`;
  const from = spec.anchorDate === undefined ? "" : ` from ${spec.anchorDate}`;
  const every = typeof spec.interval === "number" ? `${spec.interval}s` : spec.interval;
  return `interval ${every}${from}${zone}`;
}

/**
 * A deployment's address on the command line: `flow-name/deployment-name`.
 *
 * @example
 * ```ts
 * deploymentRef({ flowName: "elevator", name: "hourly" }); // "elevator/hourly"
 * ```
 */
export function deploymentRef(d: { readonly flowName: string; readonly name: string }): string {
  return `${d.flowName}/${d.name}`;
}

/**
 * The next time any active schedule of a deployment runs (epoch ms), or null when it is
 * paused or has none.
 *
 * @example
 * ```ts
 * relativeTime(nextRunOf(deployment)); // "in 42m"
 * ```
 */
export function nextRunOf(d: Pick<Deployment, "paused" | "schedules">): number | null {
  if (d.paused) return null;
  const times = d.schedules
    .filter((s) => s.active && s.nextRunAt !== null)
    .map((s) => s.nextRunAt as number);
  return times.length === 0 ? null : Math.min(...times);
}

/**
 * A schedule in words for a table ("Every 2 hours", "At 00:00 in America/Sao_Paulo").
 *
 * @example
 * ```ts
 * scheduleText({ interval: "2h" });
 * ```
 */
export function scheduleText(spec: ScheduleSpec): string {
  try {
    return describeSchedule(spec);
  } catch {
    // A spec the words cannot read (the API refuses those, but an old row may hold one).
    return scheduleSpecText(spec);
  }
}
