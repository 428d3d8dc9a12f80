/**
 * Reading a run's parameters and start time from the command line: `--param k=v` (the value
 * parsed as JSON when it parses, else taken as a string), `--params-file f.json`, and
 * `--at TIME` (ISO 8601, epoch ms, or `+30s` / `+5m` / `+2h` / `+1d` from now).
 *
 * @module
 */

import { UsageError } from "./usage_error.ts";

/**
 * One `--param KEY=VALUE`: the value is JSON when it parses (`n=3` is a number,
 * `tags=["a"]` an array, `ok=true` a boolean), else the text itself (`url=https://x`).
 *
 * @example
 * ```ts
 * parseParam("n=3"); // ["n", 3]
 * parseParam("name=Ada"); // ["name", "Ada"]
 * ```
 */
export function parseParam(text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--param needs KEY=VALUE, got '${text}'`);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/**
 * The parameters of a run: the file's object (if any), then each `--param` over it.
 *
 * @example
 * ```ts
 * buildParams(["n=3"], { n: 1, url: "x" }); // { n: 3, url: "x" }
 * ```
 */
export function buildParams(
  params: readonly string[],
  fromFile: unknown = {},
): Record<string, unknown> {
  if (fromFile === null || typeof fromFile !== "object" || Array.isArray(fromFile)) {
    throw new UsageError('--params-file must hold a JSON object, such as {"n": 3}');
  }
  const out: Record<string, unknown> = { ...(fromFile as Record<string, unknown>) };
  for (const text of params) {
    const [key, value] = parseParam(text);
    out[key] = value;
  }
  return out;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A `--at` time as epoch ms: ISO 8601, epoch ms digits, or `+N{s,m,h,d}` from `now`.
 *
 * @example
 * ```ts
 * parseAt("+5m", 0); // 300000
 * parseAt("2030-01-01T00:00:00Z"); // 1893456000000
 * ```
 */
export function parseAt(text: string, now: number = Date.now()): number {
  const relative = /^\+(\d+)([smhd])$/.exec(text.trim());
  if (relative !== null) {
    return now + Number(relative[1]) * (UNIT_MS[relative[2] as string] as number);
  }
  if (/^\d{1,16}$/.test(text.trim())) return Number(text.trim());
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `--at needs an ISO 8601 time (2030-01-01T09:00:00Z), epoch ms, or +30s/+5m/+2h/+1d; got '${text}'`,
    );
  }
  return ms;
}

/**
 * A `--since` time as epoch ms: `30m`, `2h`, `1d` (that long ago), or anything {@link parseAt}
 * takes.
 *
 * @example
 * ```ts
 * parseSince("2h", 7_200_000); // 0
 * ```
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const ago = /^(\d+)([smhd])$/.exec(text.trim());
  if (ago === null) return parseAt(text, now);
  return now - Number(ago[1]) * (UNIT_MS[ago[2] as string] as number);
}

/**
 * A JSON option value (`--data`), with a usage error that names the option.
 *
 * @example
 * ```ts
 * parseJsonOption("--data", '{"ok":true}'); // { ok: true }
 * ```
 */
export function parseJsonOption(option: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} must be JSON (${(error as Error).message}); got '${text}'`);
  }
}
