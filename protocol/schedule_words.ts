/**
 * Schedules in words, for the UI's Deployments page and the CLI: "Every 2 hours", "At 00:00
 * in America/Sao_Paulo", "Every week on Monday at 09:00". Also the interval grammar (`"2h"`,
 * `"90m"`, `"1d"`, `"1h30m"`, or seconds), which the Worker's scheduler uses to compute times.
 *
 * Pure JavaScript (cronstrue, rrule and Intl), no Node or Workers APIs: the UI bundles it.
 *
 * @module
 */

import cronstrue from "cronstrue";
import * as rruleModule from "rrule";
import type { ScheduleSpec } from "../runtime/deployment.ts";

// rrule ships CommonJS as its main entry and ESM as its module entry: Node's ESM loader sees
// only a default export of the CommonJS build, bundlers see the named exports.
const rrule = ((rruleModule as unknown as { default?: typeof rruleModule }).default ??
  rruleModule) as typeof rruleModule;

/** The shortest interval a schedule accepts, in seconds. */
export const MIN_INTERVAL_SECONDS = 1;
/** The longest interval a schedule accepts, in seconds (366 days). */
export const MAX_INTERVAL_SECONDS = 366 * 86_400;

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  week: 604_800,
  weeks: 604_800,
};

/**
 * An interval, read: `{ seconds }`, or `{ problem }` saying what is wrong with it. Accepts a
 * number of seconds, or a duration string of one or more `<number><unit>` parts with units
 * s, m, h, d, w (or their names): `"2h"`, `"90m"`, `"1h30m"`, `"1.5d"`, `"3600"`. The total must
 * be a whole number of seconds between {@link MIN_INTERVAL_SECONDS} and
 * {@link MAX_INTERVAL_SECONDS}.
 *
 * @example
 * ```ts
 * parseInterval("1h30m"); // { seconds: 5400 }
 * parseInterval("soon"); // { problem: "interval 'soon' is not ..." }
 * ```
 */
export function parseInterval(
  interval: number | string,
): { readonly seconds: number } | { readonly problem: string } {
  let seconds: number;
  if (typeof interval === "number") {
    seconds = interval;
  } else if (typeof interval === "string") {
    const text = interval.trim().toLowerCase();
    if (/^\d+(\.\d+)?$/.test(text)) {
      seconds = Number(text);
    } else {
      const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;
      seconds = 0;
      let end = 0;
      for (let m = part.exec(text); m !== null; m = part.exec(text)) {
        const unit = UNIT_SECONDS[m[2] as string];
        if (unit === undefined) {
          return {
            problem: `interval '${interval}' has an unknown unit '${m[2]}' (use s, m, h, d or w)`,
          };
        }
        seconds += Number(m[1]) * unit;
        end = part.lastIndex;
      }
      if (text === "" || end !== text.length) {
        return {
          problem: `interval '${interval}' is not a duration: give seconds or parts like "2h", "90m", "1d", "1h30m"`,
        };
      }
      // Decimal parts (1.1h) can leave float noise: keep whole seconds when that is all it is.
      seconds = Math.round(seconds * 1000) / 1000;
    }
  } else {
    return { problem: `interval must be a number of seconds or a string like "2h"` };
  }
  if (!Number.isFinite(seconds) || !Number.isInteger(seconds)) {
    return { problem: `interval ${JSON.stringify(interval)} is not a whole number of seconds` };
  }
  if (seconds < MIN_INTERVAL_SECONDS || seconds > MAX_INTERVAL_SECONDS) {
    return {
      problem: `interval ${JSON.stringify(interval)} is ${seconds} s; it must be between ${MIN_INTERVAL_SECONDS} s and ${MAX_INTERVAL_SECONDS} s (366 days)`,
    };
  }
  return { seconds };
}

const UNITS_DESCENDING: readonly (readonly [number, string])[] = [
  [604_800, "week"],
  [86_400, "day"],
  [3600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** "Every 2 hours", "Every hour", "Every 90 minutes": the largest unit that divides evenly. */
function everySeconds(seconds: number): string {
  for (const [size, name] of UNITS_DESCENDING) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? `Every ${name}` : `Every ${n} ${name}s`;
    }
  }
  return `Every ${seconds} seconds`;
}

function zoneSuffix(timezone: string | undefined): string {
  return timezone === undefined || timezone === "UTC" || timezone === "Etc/UTC"
    ? ""
    : ` in ${timezone}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** HH:MM (and :SS when not zero) of an instant in a zone, or undefined for a bad zone. */
function wallClock(ms: number, timezone: string): string | undefined {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(ms);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const s = get("second");
    return `${pad(get("hour"))}:${pad(get("minute"))}${s === 0 ? "" : `:${pad(s)}`}`;
  } catch {
    return undefined;
  }
}

function describeInterval(spec: {
  interval: number | string;
  anchorDate?: string;
  timezone?: string;
}): string {
  const parsed = parseInterval(spec.interval);
  if ("problem" in parsed) return `Every ${spec.interval}`;
  const every = everySeconds(parsed.seconds);
  if (parsed.seconds % 86_400 !== 0) return every;
  // Whole days keep their wall-clock time, so say which time (of the anchor, in the zone).
  const anchorText = spec.anchorDate ?? "2020-01-01T00:00:00Z";
  // An anchor without an offset is a wall-clock time in the schedule's zone.
  const local = /^\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/.exec(anchorText);
  const anchor = Date.parse(anchorText);
  const time = local
    ? `${local[1]}:${local[2]}${local[3] === undefined || local[3] === "00" ? "" : `:${local[3]}`}`
    : Number.isFinite(anchor)
      ? wallClock(anchor, spec.timezone ?? "UTC")
      : undefined;
  if (time === undefined) return every;
  return `${every} at ${time}${zoneSuffix(spec.timezone) || " UTC"}`;
}

function describeCron(spec: { cron: string; timezone?: string; dayOr?: boolean }): string {
  let text: string;
  try {
    text = cronstrue.toString(spec.cron, { use24HourTimeFormat: true, verbose: false });
  } catch {
    return `Cron ${spec.cron}${zoneSuffix(spec.timezone)}`;
  }
  const fields = spec.cron.trim().split(/\s+/);
  const [dom, dow] = fields.length === 6 ? [fields[3], fields[5]] : [fields[2], fields[4]];
  const restricted = (f: string | undefined) => f !== undefined && f !== "*" && f !== "?";
  if (spec.dayOr === false && restricted(dom) && restricted(dow)) {
    text += " (when both the day of the month and the day of the week match)";
  }
  return `${text}${zoneSuffix(spec.timezone)}`;
}

function describeRRule(spec: { rrule: string; timezone?: string }): string {
  const fallback = `RRULE ${spec.rrule.replace(/^RRULE:/i, "")}${zoneSuffix(spec.timezone)}`;
  try {
    const options = rrule.RRule.parseString(spec.rrule.trim());
    if (options.freq === undefined) return fallback;
    const hours = toList(options.byhour);
    const minutes = toList(options.byminute);
    const secs = toList(options.bysecond);
    // rrule's toText says "at 9" for BYHOUR=9;BYMINUTE=30: say the times ourselves.
    const { byhour: _h, byminute: _m, bysecond: _s, dtstart, tzid, ...rest } = options;
    let text = new rrule.RRule({ ...rest, dtstart: null, tzid: null }).toText();
    const subDaily = options.freq >= rrule.RRule.HOURLY;
    const start = dtstart ?? null;
    const hs = hours ?? (subDaily ? undefined : [start ? start.getUTCHours() : 0]);
    const ms =
      minutes ??
      (options.freq >= rrule.RRule.MINUTELY ? undefined : [start ? start.getUTCMinutes() : 0]);
    const ss = secs ?? [start ? start.getUTCSeconds() : 0];
    if (hs !== undefined && ms !== undefined && hs.length * ms.length * ss.length <= 6) {
      const times: string[] = [];
      for (const h of hs) {
        for (const m of ms) {
          for (const s of ss) times.push(`${pad(h)}:${pad(m)}${s === 0 ? "" : `:${pad(s)}`}`);
        }
      }
      text += ` at ${times.join(", ")}`;
    } else if (hs !== undefined || ms !== undefined) {
      if (hs !== undefined) text += ` at hour ${hs.join(", ")}`;
      if (ms !== undefined) text += ` at minute ${ms.join(", ")}`;
    }
    const zone = spec.timezone ?? tzid ?? undefined;
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}${zoneSuffix(zone)}`;
  } catch {
    return fallback;
  }
}

function toList(value: number | number[] | null | undefined): number[] | undefined {
  if (value === null || value === undefined) return undefined;
  return (Array.isArray(value) ? [...value] : [value]).sort((a, b) => a - b);
}

/**
 * A schedule in words. Never throws: a schedule it cannot read is shown as written
 * ("Cron 61 * * * *"), since the Worker's 422 says what is wrong with it.
 *
 * @example
 * ```ts
 * describeSchedule({ interval: "2h" }); // "Every 2 hours"
 * describeSchedule({ cron: "0 0 * * *", timezone: "America/Sao_Paulo" }); // "At 00:00 in America/Sao_Paulo"
 * describeSchedule({ rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9" }); // "Every week on Monday at 09:00"
 * ```
 */
export function describeSchedule(spec: ScheduleSpec): string {
  if ("cron" in spec) return describeCron(spec);
  if ("interval" in spec) return describeInterval(spec);
  if ("rrule" in spec) return describeRRule(spec);
  return "Unknown schedule";
}
