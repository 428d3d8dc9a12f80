/**
 * A clock for tests: time stands still until the test moves it, and every wait is recorded,
 * so retry delays and backoff can be checked exactly without sleeping.
 *
 * @module
 */

import { abortReason, type Clock } from "../clock.ts";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * A manually driven {@link Clock}. With `autoAdvance`, whenever the program has been quiet for
 * a few macrotasks and a timer is pending, time jumps to the earliest timer.
 *
 * @example
 * ```ts
 * const clock = new FakeClock({ start: 0, autoAdvance: true });
 * await myFlow.run(params, { clock });
 * clock.waits; // [1000, 5000] — the delays that were waited for, in ms
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  #pumping = false;
  readonly #autoAdvance: boolean;
  /** Every wait requested, in ms from the time it was requested (0 for past times). */
  readonly waits: number[] = [];

  constructor(options: { start?: number | Date; autoAdvance?: boolean } = {}) {
    const start = options.start ?? Date.UTC(2026, 0, 1);
    this.#now = typeof start === "number" ? start : start.getTime();
    this.#autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.#now;
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
    this.waits.push(Math.max(0, epochMs - this.#now));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (epochMs <= this.#now) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer: Timer = {
        at: epochMs,
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      if (this.#autoAdvance) this.#pump();
    });
  }

  /** Moves time forward by `ms`, firing due timers in order and letting each settle. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time to `epochMs`, firing due timers in order and letting each settle. */
  async advanceTo(epochMs: number): Promise<void> {
    for (;;) {
      const next = this.#timers[0];
      if (next === undefined || next.at > epochMs) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await settle();
    }
    this.#now = Math.max(this.#now, epochMs);
    await settle();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void (async () => {
      try {
        for (;;) {
          // Quiet means: several macrotasks pass with no new timer and none fired.
          let before: number;
          do {
            before = this.#seq;
            await settle();
            await settle();
          } while (before !== this.#seq);
          const next = this.#timers.shift();
          if (next === undefined) return;
          this.#now = Math.max(this.#now, next.at);
          next.resolve();
        }
      } finally {
        this.#pumping = false;
      }
    })();
  }
}

/** Waits one macrotask, so every promise chain that can move has moved. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
