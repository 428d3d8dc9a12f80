/**
 * Durations as Weir accepts them: a number of seconds (Prefect's convention for
 * `retry_delay_seconds` and `timeout_seconds`) or a string such as `"1h30m"`, `"10m"`,
 * `"2.5s"` or `"250ms"`.
 *
 * @module
 */

/** A number of seconds, or a string of number-unit pairs (`ms`, `s`, `m`, `h`, `d`, `w`). */
export type Duration = number | string;

const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/**
 * Converts a {@link Duration} to milliseconds.
 *
 * @example
 * ```ts
 * toMillis("1h30m"); // 5_400_000
 * toMillis(2.5);     // 2_500
 * ```
 * @throws {RangeError} when the value is negative, not finite, or not a duration string.
 */
export function toMillis(value: Duration, what = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `Cannot use ${String(value)} as ${what}: expected a non-negative number of seconds`,
      );
    }
    return value * 1000;
  }
  if (typeof value !== "string") {
    throw new TypeError(
      `Cannot use ${typeof value} as ${what}: expected seconds or a string like "10m"`,
    );
  }
  const text = value.replace(/\s+/g, "");
  if (text === "") throw new RangeError(`Cannot use an empty string as ${what}`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (match === null || match.index !== start) {
      throw new RangeError(
        `Cannot parse ${JSON.stringify(value)} as ${what}: expected number-unit pairs such as "1h30m", "10s" or "250ms"`,
      );
    }
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return total;
}

/**
 * Formats milliseconds for people, as Prefect prints durations in logs.
 *
 * @example
 * ```ts
 * formatMillis(1234); // "1.234s"
 * ```
 */
export function formatMillis(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}s`;
  // Round to whole seconds first, so 119.6s is "2m", not "1m60s".
  const total = Math.round(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
