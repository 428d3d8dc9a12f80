/**
 * RRULE schedules (RFC 5545) read with the `rrule` package, on wall-clock times: the rule is
 * iterated as if its zone were UTC ("floating" times, see zone_clock.ts) and the scheduler maps
 * each time to its instant, so daylight-saving time follows the same rules as cron. rrule's own
 * TZID support depends on the host's local zone, so it is not used.
 *
 * Accepted: an optional `DTSTART` line (`DTSTART:20260101T090000Z`, `DTSTART;TZID=Europe/Berlin:
 * 20260101T090000` or a floating `DTSTART:20260101T090000`, read in the schedule's zone) and one
 * `RRULE` line (the `RRULE:` prefix is optional). Without DTSTART the rule starts at
 * 2020-01-01T00:00:00 in the schedule's zone, so `FREQ=DAILY` runs at midnight there.
 *
 * @module
 */

import type { Options as RRuleOptions } from "rrule";
import * as rruleModule from "rrule";
import { isTimeZone, wallOf } from "./zone_clock.ts";

// rrule's main entry is CommonJS, its module entry ESM (see protocol/schedule_words.ts).
const { RRule } = ((rruleModule as unknown as { default?: typeof rruleModule }).default ??
  rruleModule) as typeof rruleModule;
type RRuleInstance = InstanceType<typeof RRule>;

/** 2020-01-01T00:00:00 on the wall clock: the default DTSTART. */
const DEFAULT_START = Date.UTC(2020, 0, 1);
/** Where a rule is first tried (see compileRRule): 28 years before rrule's last year. */
const PROBE_FROM = Date.UTC(9972, 0, 1);

/** The length of one period of each frequency in ms, for FREQ=WEEKLY and shorter. */
const PERIOD_MS: Record<number, number> = {
  [RRule.WEEKLY]: 604_800_000,
  [RRule.DAILY]: 86_400_000,
  [RRule.HOURLY]: 3_600_000,
  [RRule.MINUTELY]: 60_000,
  [RRule.SECONDLY]: 1000,
};

const RANGES: readonly (readonly [keyof RRuleOptions, number, number, boolean])[] = [
  // [option, min, max, may be negative]
  ["bymonth", 1, 12, false],
  ["bymonthday", 1, 31, true],
  ["byyearday", 1, 366, true],
  ["byweekno", 1, 53, true],
  ["byhour", 0, 23, false],
  ["byminute", 0, 59, false],
  ["bysecond", 0, 59, false],
  ["bysetpos", 1, 366, true],
];

/** A compiled RRULE: wall-clock times after or before a wall-clock time. */
export interface RRuleSeries {
  /** The zone named by DTSTART's TZID, if any. */
  readonly tzid: string | undefined;
  after(afterWall: number, limit: number): number[];
  before(beforeWall: number, limit: number): number[];
}

/**
 * Reads an RRULE in a zone (the schedule's `timezone`, or DTSTART's TZID): the series, or the
 * problem with it.
 *
 * @example
 * ```ts
 * const r = compileRRule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", "Europe/Berlin");
 * if ("series" in r) r.series.after(Date.UTC(2026, 0, 1), 3);
 * ```
 */
export function compileRRule(
  text: string,
  timezone: string | undefined,
): { readonly series: RRuleSeries } | { readonly problem: string } {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const startLines = lines.filter((l) => /^DTSTART[;:]/i.test(l));
  const ruleLines = lines.filter((l) => !/^DTSTART[;:]/i.test(l));
  if (startLines.length > 1 || ruleLines.length !== 1) {
    return {
      problem: `rrule must be one RRULE line, optionally after one DTSTART line (EXDATE, RDATE and several RRULEs are not supported); got ${lines.length} line(s)`,
    };
  }
  const ruleLine = (ruleLines[0] as string).replace(/^RRULE:/i, "");
  let options: Partial<RRuleOptions>;
  try {
    options = RRule.parseString(ruleLine);
  } catch (error) {
    return { problem: `rrule '${ruleLine}' is not valid: ${(error as Error).message}` };
  }
  if (options.dtstart || options.tzid) {
    return { problem: "rrule: put DTSTART on its own line before the RRULE line" };
  }
  if (options.freq === undefined || options.freq === null) {
    const given = /(?:^|;)FREQ=([^;]*)/i.exec(ruleLine)?.[1];
    return {
      problem:
        given === undefined
          ? `rrule '${ruleLine}' has no FREQ (such as FREQ=DAILY)`
          : `rrule '${ruleLine}': FREQ=${given} is not one of YEARLY, MONTHLY, WEEKLY, DAILY, HOURLY, MINUTELY, SECONDLY`,
    };
  }
  const problem = rangeProblem(options) ?? rfcProblem(ruleLine, options as RRuleOptions);
  if (problem !== undefined) return { problem: `rrule '${ruleLine}': ${problem}` };

  let zone = timezone;
  let startWall = DEFAULT_START;
  const startLine = startLines[0];
  if (startLine !== undefined) {
    const m =
      /^DTSTART(?:;TZID=([^:;]+))?:(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/i.exec(
        startLine,
      );
    if (m === null) {
      return {
        problem: `rrule's '${startLine}' is not a DTSTART like DTSTART:20260101T090000Z or DTSTART;TZID=Europe/Berlin:20260101T090000`,
      };
    }
    const [, tzid, y, mo, d, h = "0", mi = "0", s = "0", utc] = m;
    if (tzid !== undefined) {
      if (!isTimeZone(tzid)) return { problem: `rrule's DTSTART has an unknown TZID '${tzid}'` };
      if (timezone !== undefined && timezone !== tzid) {
        return {
          problem: `rrule's DTSTART TZID '${tzid}' differs from the schedule's timezone '${timezone}'`,
        };
      }
      zone = tzid;
    }
    const fields = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (!Number.isFinite(fields)) return { problem: `rrule's '${startLine}' is not a date` };
    // A UTC DTSTART is an instant: its wall-clock time in the zone is where the rule starts.
    startWall = utc === undefined ? fields : wallOf(fields, zone ?? "UTC");
  }
  // UNTIL is compared with wall-clock times, so a UTC UNTIL is moved to the zone's clock too.
  if (options.until && /UNTIL=\d{8}T\d{6}Z/i.test(ruleLine)) {
    options.until = new Date(wallOf(options.until.getTime(), zone ?? "UTC"));
  }
  const base = withDefaults({
    ...(options as RRuleOptions),
    dtstart: new Date(startWall),
    tzid: null,
  });
  const unreachable = unreachableTime(base);
  if (unreachable !== undefined)
    return { problem: `rrule '${ruleLine}' never occurs: ${unreachable}` };
  let full: RRuleInstance;
  try {
    full = new RRule(base);
    // rrule looks for a match until the year 9999, however far that is: a rule that never
    // matches would take seconds. Ask first near 9999, over 28 years (all the weekday, date
    // and leap-year combinations of the Gregorian calendar; 9972-9999 has no century year).
    const probeAt = shiftedStart({ ...base, count: null }, startWall, PROBE_FROM, 0);
    const probe =
      probeAt === undefined
        ? undefined
        : new RRule({ ...base, dtstart: new Date(probeAt), count: null, until: null });
    const found = (probe ?? full).between(
      new Date(probeAt ?? startWall),
      new Date(8.64e15),
      true,
      (_d, len) => len < 1,
    );
    if (found.length === 0) {
      return { problem: `rrule '${ruleLine}' never occurs` };
    }
  } catch (error) {
    // rrule's parser lets some bad values through (BYDAY=XX) and fails when it builds the rule.
    return { problem: `rrule '${ruleLine}' is not valid: ${(error as Error).message}` };
  }
  return { series: series(full, base, startWall, zone === timezone ? undefined : zone) };
}

/**
 * The BY* values rrule derives from DTSTART when a rule gives none, made explicit so that
 * iteration can start at another DTSTART (the first of a month) and give the same times.
 */
function withDefaults(options: RRuleOptions): RRuleOptions {
  const start = options.dtstart as Date;
  const none = (v: unknown) =>
    v === null || v === undefined || (Array.isArray(v) && v.length === 0);
  const out = { ...options };
  if (
    none(out.byweekno) &&
    none(out.byyearday) &&
    none(out.bymonthday) &&
    none(out.byweekday) &&
    none(out.byeaster)
  ) {
    if (out.freq === RRule.YEARLY) {
      if (none(out.bymonth)) out.bymonth = start.getUTCMonth() + 1;
      out.bymonthday = start.getUTCDate();
    } else if (out.freq === RRule.MONTHLY) {
      out.bymonthday = start.getUTCDate();
    } else if (out.freq === RRule.WEEKLY) {
      out.byweekday = (start.getUTCDay() + 6) % 7;
    }
  }
  if (none(out.byhour) && out.freq < RRule.HOURLY) out.byhour = start.getUTCHours();
  if (none(out.byminute) && out.freq < RRule.MINUTELY) out.byminute = start.getUTCMinutes();
  if (none(out.bysecond) && out.freq < RRule.SECONDLY) out.bysecond = start.getUTCSeconds();
  return out;
}

/**
 * For FREQ=HOURLY, MINUTELY and SECONDLY with an INTERVAL, the times of day a rule can reach
 * are fixed by DTSTART (every 5 hours from 02:00 reaches every hour, every 3 hours only
 * 02:00, 05:00, ...). rrule loops forever looking for a BYHOUR (BYMINUTE, BYSECOND) it cannot
 * reach, so say so first.
 */
function unreachableTime(base: RRuleOptions): string | undefined {
  const unit =
    base.freq === RRule.HOURLY
      ? 3600
      : base.freq === RRule.MINUTELY
        ? 60
        : base.freq === RRule.SECONDLY
          ? 1
          : undefined;
  if (unit === undefined) return undefined;
  const start = base.dtstart as Date;
  const list = (v: number | number[] | null | undefined, size: number) =>
    v === null || v === undefined || (Array.isArray(v) && v.length === 0)
      ? Array.from({ length: size }, (_, i) => i)
      : Array.isArray(v)
        ? v
        : [v];
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  // Reachable times of day (in units) are those congruent to DTSTART's modulo this.
  const step = gcd((base.interval ?? 1) * 1, 86_400 / unit);
  const startUnits = Math.floor(
    (start.getUTCHours() * 3600 + start.getUTCMinutes() * 60 + start.getUTCSeconds()) / unit,
  );
  const hours = list(base.byhour, 24);
  const minutes = unit <= 60 ? list(base.byminute, 60) : [0];
  const seconds = unit === 1 ? list(base.bysecond, 60) : [0];
  for (const h of hours) {
    for (const m of minutes) {
      for (const sec of seconds) {
        const units = (h * 3600 + m * 60 + sec) / unit;
        if ((((units - startUnits) % step) + step) % step === 0) return undefined;
      }
    }
  }
  return `with INTERVAL=${base.interval ?? 1} from ${start.toISOString().slice(11, 19)} it never reaches the BYHOUR/BYMINUTE/BYSECOND it asks for`;
}

/**
 * RFC 5545's limits on which BY* parts go with which FREQ, which also keep rrule away from
 * rules it would search to the year 9999; and no part twice.
 */
function rfcProblem(ruleLine: string, options: RRuleOptions): string | undefined {
  const keys = ruleLine.split(";").map((p) => p.split("=")[0]?.trim().toUpperCase());
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) return `${twice} is given twice`;
  const { freq } = options;
  // rrule walks a SECONDLY rule second by second to each BYMINUTE/BYHOUR, which can take
  // minutes of CPU; a 6-field cron or an interval says the same.
  if (freq === RRule.SECONDLY) {
    return "FREQ=SECONDLY is not supported: use a 6-field cron (seconds first) or an interval";
  }
  const has = (v: unknown) =>
    v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
  if (has(options.byweekno) && freq !== RRule.YEARLY) return "BYWEEKNO needs FREQ=YEARLY";
  if (has(options.byyearday) && [RRule.MONTHLY, RRule.WEEKLY, RRule.DAILY].includes(freq)) {
    return "BYYEARDAY does not go with FREQ=MONTHLY, WEEKLY or DAILY";
  }
  if (has(options.bymonthday) && freq === RRule.WEEKLY) {
    return "BYMONTHDAY does not go with FREQ=WEEKLY";
  }
  const days = options.byweekday;
  const nth = (Array.isArray(days) ? days : days === null || days === undefined ? [] : [days]).some(
    (d) => typeof d === "object" && d !== null && (d as { n?: number }).n,
  );
  if (nth && freq !== RRule.MONTHLY && freq !== RRule.YEARLY) {
    return "BYDAY with a number (2TU) needs FREQ=MONTHLY or YEARLY";
  }
  if (nth && freq === RRule.YEARLY && has(options.byweekno)) {
    return "BYDAY with a number (2TU) does not go with BYWEEKNO";
  }
  return undefined;
}

function rangeProblem(options: Partial<RRuleOptions>): string | undefined {
  const interval = options.interval ?? 1;
  if (!Number.isInteger(interval) || interval < 1)
    return `INTERVAL must be 1 or more, got ${interval}`;
  if (options.count !== undefined && options.count !== null && options.count < 1) {
    return `COUNT must be 1 or more, got ${options.count}`;
  }
  for (const [key, min, max, negative] of RANGES) {
    const value = options[key] as number | number[] | null | undefined;
    if (value === undefined || value === null) continue;
    for (const n of Array.isArray(value) ? value : [value]) {
      const abs = negative ? Math.abs(n) : n;
      if (!Number.isInteger(n) || abs < min || abs > max) {
        return `${key.slice(2).toUpperCase()} value ${n} is outside ${negative ? `±${min}..${max}` : `${min}..${max}`}`;
      }
    }
  }
  return undefined;
}

/**
 * Iteration from DTSTART costs one step per period, so from 2020 a FREQ=MINUTELY rule would
 * take millions of steps to reach today. Without COUNT the occurrences do not depend on where
 * iteration starts, as long as it starts a whole number of INTERVAL periods after DTSTART:
 * start close to the time asked for (see shiftedStart).
 */
function series(
  full: RRuleInstance,
  base: RRuleOptions,
  startWall: number,
  tzid: string | undefined,
): RRuleSeries {
  /** The rule, iterating from `back` INTERVALs before `wall` (or from DTSTART, if later). */
  const near = (wall: number, back = 2): RRuleInstance => {
    const at = shiftedStart(base, startWall, wall, back);
    return at === undefined ? full : new RRule({ ...base, dtstart: new Date(at) });
  };
  const periodMs =
    (PERIOD_MS[base.freq] ?? 31 * 86_400_000 * (base.freq === RRule.YEARLY ? 12 : 1)) *
    (base.interval ?? 1);
  /** The latest `n` times in [lo, hi], latest first, never holding more than 2,000 at once. */
  const latestIn = (lo: number, hi: number, n: number): number[] => {
    const dates = near(lo).between(new Date(lo), new Date(hi), true, (_d, len) => len < 2000);
    if (dates.length < 2000) {
      return dates
        .slice(-n)
        .map((d) => d.getTime())
        .reverse();
    }
    const mid = Math.floor((lo + hi) / 2);
    const upper = latestIn(mid + 1, hi, n);
    return upper.length >= n ? upper : [...upper, ...latestIn(lo, mid, n - upper.length)];
  };
  return {
    tzid,
    after(afterWall, limit) {
      const dates = near(afterWall).between(
        new Date(afterWall),
        new Date(8.64e15),
        false,
        (_d, len) => len < limit,
      );
      return dates.map((d) => d.getTime());
    },
    before(beforeWall, limit) {
      // rrule iterates only forwards: look back in windows 8 times longer each time, from a
      // start near each window, and keep the latest times.
      const untilWall = base.until ? base.until.getTime() : Number.POSITIVE_INFINITY;
      let hi = Math.min(beforeWall, untilWall);
      let width = (limit + 2) * periodMs;
      const out: number[] = [];
      while (out.length < limit && hi >= startWall) {
        const lo = Math.max(startWall, hi - width);
        out.push(...latestIn(lo, hi, limit - out.length));
        hi = lo - 1;
        width *= 8;
      }
      return out;
    },
  };
}

/**
 * A DTSTART a whole number of INTERVALs after `startWall`, `back` INTERVALs before `wall`
 * (whole months from the first of a month for MONTHLY and YEARLY), or undefined when there is
 * none later than DTSTART, or when COUNT makes the times depend on where they are counted from.
 */
function shiftedStart(
  base: RRuleOptions,
  startWall: number,
  wall: number,
  back: number,
): number | undefined {
  if (base.count !== null && base.count !== undefined) return undefined;
  const interval = base.interval ?? 1;
  const period = PERIOD_MS[base.freq];
  if (period !== undefined) {
    const k = Math.floor((wall - startWall) / (period * interval)) - back;
    return k <= 0 ? undefined : startWall + k * period * interval;
  }
  const stepMonths = (base.freq === RRule.YEARLY ? 12 : 1) * interval;
  const start = new Date(startWall);
  const at = new Date(wall);
  const elapsed =
    (at.getUTCFullYear() - start.getUTCFullYear()) * 12 + at.getUTCMonth() - start.getUTCMonth();
  const k = Math.floor(elapsed / stepMonths) - back;
  if (k <= 0) return undefined;
  // From the first of the month: withDefaults made the day explicit, and every month has a 1st.
  return Date.UTC(
    start.getUTCFullYear(),
    start.getUTCMonth() + k * stepMonths,
    1,
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
  );
}
