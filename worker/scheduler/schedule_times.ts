/**
 * When a schedule runs: the next times after an instant, the latest one before an instant, and
 * what is wrong with a schedule. Pure functions over a {@link ScheduleSpec}; the tick, catch-up
 * and the preview route call them.
 *
 * - cron: croner, 5 fields or 6 (seconds first), `dayOr` (default true) as Vixie cron;
 *   cron_walk.ts walks the common patterns faster than croner's search.
 * - interval: every N seconds counted from `anchorDate` (default 2020-01-01T00:00:00Z). An
 *   interval of whole days in a `timezone` other than UTC keeps its wall-clock time across
 *   daylight-saving changes; any other interval is exact elapsed time.
 * - rrule: see rrule_series.ts.
 *
 * Daylight-saving time (docs/ARCHITECTURE.md, "Schedules and daylight-saving time"): cron, RRULE
 * and whole-day intervals are computed on the zone's wall clock (zone_clock.ts) and mapped to
 * instants with croner's rules. A fixed time (cron whose second, minute and hour fields have no
 * `*` and no step, such as `30 2 * * *` or `0 9,17 * * *`; every RRULE and whole-day interval)
 * that a spring-forward gap skips runs at the instant the clock jumps (03:00 for 02:30 in New
 * York), and one that a fall-back repeats runs once, at its first occurrence. A cron with a
 * wildcard or step there (`30 * * * *`, `0 *\/2 * * *`) counts elapsed time: its times in a gap do
 * not exist, and its times in a repeated hour run on both occurrences.
 *
 * @module
 */

import { Cron, CronPattern } from "croner";
import { parseInterval } from "../../protocol/schedule_words.ts";
import type { ScheduleSpec } from "../../runtime/deployment.ts";
import { cronWalk } from "./cron_walk.ts";
import { compileRRule } from "./rrule_series.ts";
import { isoInZone, isTimeZone, isUtc, offsetAt, wallInstants } from "./zone_clock.ts";

export { isoInZone };

const DAY_MS = 86_400_000;
const DEFAULT_ANCHOR = "2020-01-01T00:00:00Z";
/** The most times one call of {@link nextTimes} answers, whatever `count` asks for. */
export const MAX_TIMES = 10_000;
/** The most times per batch when walking a wall-clock series (few more than asked for). */
const BATCH = 256;

/** What is wrong with a schedule: `field` is relative to the spec (`cron`, `timezone`, ...). */
export interface ScheduleProblem {
  readonly field: string;
  readonly message: string;
}

/** How a wall-clock time in a gap or a repeated hour runs (see the module comment). */
type DstRule = "fixed" | "elapsed";

/** A schedule ready to compute times: in wall-clock time, or exact elapsed time. */
type Compiled =
  | {
      readonly kind: "wall";
      readonly zone: string;
      readonly dst: DstRule;
      after(afterWall: number, limit: number): number[];
      before(beforeWall: number, limit: number): number[];
    }
  | { readonly kind: "every"; readonly anchor: number; readonly stepMs: number };

const compiledCache = new Map<string, Compiled | ScheduleProblem>();

function problem(field: string, message: string): ScheduleProblem {
  return { field, message };
}

/** An anchor with an offset is an instant; one without is a wall-clock time in the zone. */
function anchorInstant(anchorDate: string, zone: string): number | undefined {
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(
    anchorDate,
  );
  if (local === null) {
    const ms = Date.parse(anchorDate);
    return Number.isFinite(ms) ? ms : undefined;
  }
  const [, y = "", mo = "", d = "", h = "0", mi = "0", s = "0", frac = "0"] = local;
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +frac.padEnd(3, "0"));
  if (!Number.isFinite(wall)) return undefined;
  const at = wallInstants(wall, zone);
  return "gapEnd" in at ? at.gapEnd : at.early;
}

function compile(spec: ScheduleSpec): Compiled | ScheduleProblem {
  if (spec === null || typeof spec !== "object") {
    return problem("", "a schedule must be an object with cron, interval or rrule");
  }
  const timezone = (spec as { timezone?: unknown }).timezone;
  if (timezone !== undefined && (typeof timezone !== "string" || !isTimeZone(timezone))) {
    return problem(
      "timezone",
      `timezone ${JSON.stringify(timezone)} is not an IANA time zone name such as America/Sao_Paulo or UTC`,
    );
  }
  const zone = timezone ?? "UTC";

  if ("cron" in spec) {
    if (typeof spec.cron !== "string") return problem("cron", "cron must be a string");
    if (spec.dayOr !== undefined && typeof spec.dayOr !== "boolean") {
      return problem("dayOr", `dayOr must be true or false, got ${JSON.stringify(spec.dayOr)}`);
    }
    const options = {
      mode: "5-or-6-parts",
      fixedTimeRule: "no-wildcard",
      domAndDow: spec.dayOr === false,
      // The wall clock is computed as if it were UTC; zone_clock.ts maps it to instants.
      utcOffset: 0,
    } as const;
    let cron: Cron;
    let pattern: CronPattern;
    try {
      cron = new Cron(spec.cron, options);
      pattern = new CronPattern(spec.cron, undefined, options);
    } catch (error) {
      return problem("cron", `cron '${spec.cron}' is not valid: ${(error as Error).message}`);
    }
    if (cron.getPattern() === undefined) {
      return problem("cron", `cron '${spec.cron}' is a date, not a cron expression`);
    }
    if (cron.nextRun(new Date(0)) === null) {
      return problem("cron", `cron '${spec.cron}' never matches a date`);
    }
    const walk = cronWalk(pattern, options.domAndDow);
    return {
      kind: "wall",
      zone,
      dst: pattern.isFixedTime ? "fixed" : "elapsed",
      after:
        walk?.after ??
        ((wall, limit) => cron.nextRuns(limit, new Date(wall)).map((d) => d.getTime())),
      before:
        walk?.before ??
        ((wall, limit) =>
          cron
            .previousRuns(limit, new Date(wall + 1))
            .map((d) => d.getTime())
            .filter((t) => t <= wall)),
    };
  }

  if ("interval" in spec) {
    const parsed = parseInterval(spec.interval);
    if ("problem" in parsed) return problem("interval", parsed.problem);
    const anchorDate = spec.anchorDate ?? DEFAULT_ANCHOR;
    const anchor = typeof anchorDate === "string" ? anchorInstant(anchorDate, zone) : undefined;
    if (anchor === undefined) {
      return problem(
        "anchorDate",
        `anchorDate ${JSON.stringify(anchorDate)} is not an ISO 8601 date-time such as 2026-01-01T09:00:00Z`,
      );
    }
    const stepMs = parsed.seconds * 1000;
    if (stepMs % DAY_MS !== 0 || isUtc(zone)) return { kind: "every", anchor, stepMs };
    const anchorWall = anchor + offsetAt(anchor, zone);
    return {
      kind: "wall",
      zone,
      dst: "fixed",
      after: (wall, limit) => {
        const first = Math.floor((wall - anchorWall) / stepMs) + 1;
        return Array.from({ length: limit }, (_, i) => anchorWall + (first + i) * stepMs);
      },
      before: (wall, limit) => {
        const last = Math.floor((wall - anchorWall) / stepMs);
        return Array.from({ length: limit }, (_, i) => anchorWall + (last - i) * stepMs);
      },
    };
  }

  if ("rrule" in spec) {
    if (typeof spec.rrule !== "string") return problem("rrule", "rrule must be a string");
    const compiled = compileRRule(spec.rrule, timezone);
    if ("problem" in compiled) return problem("rrule", compiled.problem);
    const { series } = compiled;
    return {
      kind: "wall",
      zone: series.tzid ?? zone,
      dst: "fixed",
      after: series.after,
      before: series.before,
    };
  }
  return problem("", "a schedule needs one of cron, interval or rrule");
}

function compiled(spec: ScheduleSpec): Compiled | ScheduleProblem {
  const key = JSON.stringify(spec);
  let hit = compiledCache.get(key);
  if (hit === undefined) {
    hit = compile(spec);
    if (compiledCache.size >= 1000) compiledCache.clear();
    compiledCache.set(key, hit);
  }
  return hit;
}

function compiledOrThrow(spec: ScheduleSpec): Compiled {
  const c = compiled(spec);
  if ("message" in c) {
    throw new TypeError(`Invalid schedule ${JSON.stringify(spec)}: ${c.message}`);
  }
  return c;
}

/**
 * What is wrong with a schedule, or undefined when it is valid: a bad cron string, time zone,
 * interval, anchor date or RRULE, with the field it is in.
 *
 * @example
 * ```ts
 * scheduleProblem({ cron: "61 * * * *" }); // { field: "cron", message: "cron '61 * * * *' is not valid: ..." }
 * scheduleProblem({ interval: "2h", timezone: "Europe/Berlin" }); // undefined
 * ```
 */
export function scheduleProblem(spec: ScheduleSpec): ScheduleProblem | undefined {
  const c = compiled(spec);
  return "message" in c ? c : undefined;
}

/**
 * The schedule's times strictly after `afterMs`, ascending: at most `count` (default 100, at
 * most {@link MAX_TIMES}) and none after `untilMs`. Throws a TypeError for an invalid schedule
 * (check it with {@link scheduleProblem} first).
 *
 * @example
 * ```ts
 * nextTimes({ cron: "0 *\/2 * * *" }, Date.UTC(2026, 0, 1), { count: 3 });
 * // [Date.UTC(2026, 0, 1, 2), Date.UTC(2026, 0, 1, 4), Date.UTC(2026, 0, 1, 6)]
 * ```
 */
export function nextTimes(
  spec: ScheduleSpec,
  afterMs: number,
  options: { readonly count?: number; readonly untilMs?: number } = {},
): number[] {
  const c = compiledOrThrow(spec);
  const count = Math.min(Math.max(0, Math.floor(options.count ?? 100)), MAX_TIMES);
  const until = options.untilMs ?? Number.POSITIVE_INFINITY;
  if (count === 0 || until <= afterMs) return [];
  if (c.kind === "every") {
    const out: number[] = [];
    const first = Math.floor((afterMs - c.anchor) / c.stepMs) + 1;
    for (let i = 0; i < count; i++) {
      const t = c.anchor + (first + i) * c.stepMs;
      if (t > until) break;
      out.push(t);
    }
    return out;
  }
  if (isUtc(c.zone)) return c.after(afterMs, count).filter((t) => t > afterMs && t <= until);
  return nextOnWall(c, afterMs, count, until);
}

function nextOnWall(
  c: Extract<Compiled, { kind: "wall" }>,
  afterMs: number,
  count: number,
  until: number,
): number[] {
  // The earliest wall-clock time that can fall after `afterMs` (the zone may move its clock
  // back within the day after it).
  let cursor =
    afterMs + Math.min(offsetAt(afterMs, c.zone), offsetAt(afterMs + DAY_MS, c.zone)) - 1000;
  const out: number[] = [];
  let sorted = true;
  for (;;) {
    const walls = c.after(cursor, Math.min(BATCH, count + 2));
    if (walls.length === 0) break;
    for (const wall of walls) {
      const at = wallInstants(wall, c.zone);
      // Instants grow with the wall clock, except inside a repeated hour: stop at the first
      // wall time whose earliest instant is past what is already enough.
      const earliest = "gapEnd" in at ? at.gapEnd : at.early;
      if (earliest > until) return finish(out, count, sorted);
      if (out.length >= count) {
        if (!sorted) {
          out.sort((a, b) => a - b);
          sorted = true;
        }
        if (earliest > (out[count - 1] as number)) return finish(out, count, sorted);
      }
      const add = (t: number) => {
        // Two wall times in one gap (02:00 and 03:00 in New York) run at the same instant: once.
        if (t <= afterMs || t > until || t === out[out.length - 1]) return;
        if (out.length > 0 && t <= (out[out.length - 1] as number)) sorted = false;
        out.push(t);
      };
      if ("gapEnd" in at) {
        if (c.dst === "fixed") add(at.gapEnd);
      } else {
        add(at.early);
        if (c.dst === "elapsed" && at.late !== at.early) add(at.late);
      }
    }
    cursor = walls[walls.length - 1] as number;
  }
  return finish(out, count, sorted);
}

function finish(out: number[], count: number, sorted: boolean): number[] {
  if (!sorted) out.sort((a, b) => a - b);
  const unique = out.filter((t, i) => i === 0 || t !== out[i - 1]);
  return unique.slice(0, count);
}

/**
 * The schedule's latest time at or before `beforeMs`, or undefined when it has none (an RRULE
 * that starts later). Catch-up uses it to find the most recent missed time.
 *
 * @example
 * ```ts
 * previousTime({ interval: "1h" }, Date.UTC(2026, 0, 1, 10, 30)); // Date.UTC(2026, 0, 1, 10)
 * ```
 */
export function previousTime(spec: ScheduleSpec, beforeMs: number): number | undefined {
  const c = compiledOrThrow(spec);
  if (c.kind === "every") {
    return c.anchor + Math.floor((beforeMs - c.anchor) / c.stepMs) * c.stepMs;
  }
  if (isUtc(c.zone)) return c.before(beforeMs, 1)[0];
  // The latest wall-clock time that can fall at or before `beforeMs`.
  let cursor = beforeMs + Math.max(offsetAt(beforeMs, c.zone), offsetAt(beforeMs - DAY_MS, c.zone));
  let best: number | undefined;
  for (;;) {
    const walls = c.before(cursor, 4);
    if (walls.length === 0) return best;
    for (const wall of walls) {
      const at = wallInstants(wall, c.zone);
      const candidates =
        "gapEnd" in at
          ? c.dst === "fixed"
            ? [at.gapEnd]
            : []
          : c.dst === "elapsed"
            ? [at.late, at.early]
            : [at.early];
      for (const t of candidates) {
        if (t <= beforeMs && (best === undefined || t > best)) best = t;
      }
      // Earlier wall times never fall later than this one's latest instant.
      const latest = "gapEnd" in at ? at.gapEnd : at.late;
      if (best !== undefined && latest <= best) return best;
    }
    cursor = (walls[walls.length - 1] as number) - 1;
  }
}
