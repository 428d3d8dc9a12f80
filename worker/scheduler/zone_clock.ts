/**
 * Wall-clock time in an IANA time zone, with Intl only (no Temporal, no tz database of our
 * own): a zone's UTC offset at an instant, the instants a wall-clock time falls on (none in a
 * spring-forward gap, two in a fall-back overlap), and ISO 8601 strings with the zone's offset.
 *
 * "Wall" times here are epoch milliseconds whose UTC fields are the local date and time
 * (2026-03-08T02:30 in New York is `Date.UTC(2026, 2, 8, 2, 30)`): cron and RRULE iterate on
 * them as if the zone were UTC, and {@link wallInstants} maps each back to real instants.
 *
 * Offsets are cached per 15-minute bucket: `Intl.DateTimeFormat#formatToParts` costs a few
 * microseconds, and the scheduler's tick converts hundreds of times per schedule.
 *
 * @module
 */

const DAY_MS = 86_400_000;
const BUCKET_MS = 900_000;
const MAX_CACHED = 50_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();
let cachedCount = 0;

/**
 * True for the names this module treats as UTC without asking Intl.
 *
 * @example
 * ```ts
 * isUtc(undefined); // true: a schedule without a timezone is in UTC
 * ```
 */
export function isUtc(timezone: string | undefined): boolean {
  return timezone === undefined || timezone === "UTC" || timezone === "Etc/UTC";
}

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * Whether Intl knows `timezone` as an IANA name (offset strings such as `+05:00` are refused:
 * a schedule's zone must say where, so that its offset can change with daylight-saving time).
 *
 * @example
 * ```ts
 * isTimeZone("America/Sao_Paulo"); // true
 * isTimeZone("Mars/Olympus"); // false
 * ```
 */
export function isTimeZone(timezone: string): boolean {
  if (!/^[A-Za-z]/.test(timezone)) return false;
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

function exactOffset(ms: number, timezone: string): number {
  const second = Math.floor(ms / 1000) * 1000;
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const part of formatter(timezone).formatToParts(second)) {
    switch (part.type) {
      case "year":
        y = Number(part.value);
        break;
      case "month":
        mo = Number(part.value);
        break;
      case "day":
        d = Number(part.value);
        break;
      case "hour":
        h = Number(part.value);
        break;
      case "minute":
        mi = Number(part.value);
        break;
      case "second":
        s = Number(part.value);
        break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - second;
}

/**
 * The zone's UTC offset at an instant, in milliseconds (wall = instant + offset).
 *
 * @example
 * ```ts
 * offsetAt(Date.UTC(2026, 0, 1), "America/New_York"); // -18_000_000
 * ```
 */
export function offsetAt(ms: number, timezone: string): number {
  if (isUtc(timezone)) return 0;
  const bucket = Math.floor(ms / BUCKET_MS);
  let zone = offsetCache.get(timezone);
  if (zone === undefined) {
    zone = new Map();
    offsetCache.set(timezone, zone);
  }
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  // A bucket whose two ends agree holds no transition (zones never change twice in 15
  // minutes), so the offset is cached for all of it; the rare bucket with a transition
  // is computed exactly every time.
  const start = exactOffset(bucket * BUCKET_MS, timezone);
  const end = exactOffset(bucket * BUCKET_MS + BUCKET_MS - 1000, timezone);
  if (start !== end) return exactOffset(ms, timezone);
  if (cachedCount >= MAX_CACHED) {
    offsetCache.clear();
    cachedCount = 0;
    offsetCache.set(timezone, zone);
    zone.clear();
  }
  zone.set(bucket, start);
  cachedCount++;
  return start;
}

/**
 * The wall-clock time of an instant in a zone (see the module comment).
 *
 * @example
 * ```ts
 * new Date(wallOf(Date.UTC(2026, 0, 1, 12), "America/New_York")).toISOString(); // "2026-01-01T07:00:00.000Z"
 * ```
 */
export function wallOf(ms: number, timezone: string): number {
  return ms + offsetAt(ms, timezone);
}

/** The instants a wall-clock time falls on: one, two (`early` < `late`, fall back), or none. */
export type WallInstants =
  | { readonly early: number; readonly late: number }
  | { readonly gapEnd: number };

/**
 * The instants a wall-clock time falls on in a zone. In a spring-forward gap it falls on
 * none, and `gapEnd` is the instant the clock jumped (the first valid time after the gap);
 * in a fall-back overlap on two; otherwise `early === late`.
 *
 * @example
 * ```ts
 * wallInstants(Date.UTC(2026, 2, 8, 2, 30), "America/New_York"); // { gapEnd: Date.UTC(2026, 2, 8, 7) }
 * ```
 */
export function wallInstants(wall: number, timezone: string): WallInstants {
  if (isUtc(timezone)) return { early: wall, late: wall };
  // Assumes at most one transition within a day of the time, true of every zone since 1970.
  const before = offsetAt(wall - DAY_MS, timezone);
  const after = offsetAt(wall + DAY_MS, timezone);
  const tBefore = wall - before;
  const tAfter = wall - after;
  const okBefore = offsetAt(tBefore, timezone) === before;
  const okAfter = before === after ? okBefore : offsetAt(tAfter, timezone) === after;
  if (okBefore && okAfter) {
    return { early: Math.min(tBefore, tAfter), late: Math.max(tBefore, tAfter) };
  }
  if (okBefore) return { early: tBefore, late: tBefore };
  if (okAfter) return { early: tAfter, late: tAfter };
  // In the gap: the clock jumped from `before` to `after` at an instant between the two
  // readings; find it to the second.
  let lo = Math.min(tBefore, tAfter);
  let hi = Math.max(tBefore, tAfter);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (mid <= lo) break;
    if (offsetAt(mid, timezone) === before) lo = mid;
    else hi = mid;
  }
  return { gapEnd: hi };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/**
 * An instant as ISO 8601 with the zone's UTC offset at that instant (`Z` when it is zero),
 * milliseconds only when there are some.
 *
 * @example
 * ```ts
 * isoInZone(Date.UTC(2026, 10, 29, 3), "America/Sao_Paulo"); // "2026-11-29T00:00:00-03:00"
 * ```
 */
export function isoInZone(ms: number, timezone = "UTC"): string {
  const offset = offsetAt(ms, timezone);
  const wall = new Date(ms + offset);
  const frac = wall.getUTCMilliseconds();
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const zone =
    offset === 0
      ? "Z"
      : `${offset < 0 ? "-" : "+"}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}` +
    `T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}` +
    `${frac === 0 ? "" : `.${pad(frac, 3)}`}${zone}`
  );
}
