/**
 * Retry delays as Prefect computes them: a fixed delay, a list whose last value repeats, or a
 * function of the retry number, plus optional jitter.
 *
 * @module
 */

import { type Duration, toMillis } from "./duration.ts";
import type { RetryDelay } from "./task_types.ts";

/**
 * Exponential backoff (Prefect's `exponential_backoff(backoff_factor)`): `base`, `2·base`,
 * `4·base`… seconds, capped at `max` when given.
 *
 * @example
 * ```ts
 * task({ name: "flaky", retries: 4, retryDelay: exponentialBackoff(10) }, fn); // 10s, 20s, 40s, 80s
 * ```
 */
export function exponentialBackoff(
  base: Duration,
  options: { factor?: number; max?: Duration } = {},
): (retry: number) => number {
  const baseMs = toMillis(base, "backoff base");
  const factor = options.factor ?? 2;
  const maxMs =
    options.max === undefined ? Number.POSITIVE_INFINITY : toMillis(options.max, "backoff max");
  return (retry: number) => Math.min(baseMs * factor ** (retry - 1), maxMs) / 1000;
}

/**
 * The delay in ms before retry number `retry` (1 for the first retry), jitter included.
 *
 * @example
 * ```ts
 * retryDelayMs([1, 5, 10], 4, 0, Math.random); // 10_000 — the last value repeats
 * ```
 */
export function retryDelayMs(
  delay: RetryDelay | undefined,
  retry: number,
  jitterFactor: number | undefined,
  random: () => number,
): number {
  let base: number;
  if (delay === undefined) base = 0;
  else if (typeof delay === "function") base = toMillis(delay(retry), "retryDelay");
  else if (Array.isArray(delay)) {
    const list = delay as readonly Duration[];
    const item = list[Math.min(retry - 1, list.length - 1)];
    base = item === undefined ? 0 : toMillis(item, "retryDelay");
  } else base = toMillis(delay as Duration, "retryDelay");
  if (jitterFactor !== undefined && jitterFactor > 0) base += base * jitterFactor * random();
  return Math.round(base);
}
