/**
 * The clock port: what time it is and how to wait. The executor never calls `Date.now()` or
 * `setTimeout` itself, so tests drive time with a fake clock (`testing/fake_clock.ts`) and
 * durable hosts can replace waiting with their own timers.
 *
 * @module
 */

import { CancelledError } from "./errors.ts";

/**
 * Time source and timer.
 *
 * @example
 * ```ts
 * await systemClock.sleepUntil(systemClock.now() + 1000);
 * ```
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Resolves at or after `epochMs`. Rejects with the signal's reason when it aborts first.
   */
  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `Date.now()` and `setTimeout`, which every runtime has.
 *
 * @example
 * ```ts
 * const started = systemClock.now();
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      // setTimeout's delay is a 32-bit int; longer waits are chained.
      const MAX = 2_147_483_647;
      let timer: ReturnType<typeof setTimeout>;
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const arm = () => {
        const remaining = epochMs - Date.now();
        if (remaining <= 0) {
          signal?.removeEventListener("abort", onAbort);
          resolve();
          return;
        }
        timer = setTimeout(arm, Math.min(remaining, MAX));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      arm();
    });
  },
};

/**
 * The reason an aborted signal carries, as an Error.
 *
 * @example
 * ```ts
 * const c = new AbortController(); c.abort(); abortReason(c.signal).name; // "CancelledError"
 * ```
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason;
  return new CancelledError("Cancelled", { cause: reason });
}
