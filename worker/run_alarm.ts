/**
 * A run object's one alarm, for everything that must happen later: the scheduled start,
 * sleeps, retry delays, outbox retries, and the watchdog that resumes a run whose object died
 * mid-execution. It remembers the time it last set, so re-arming to the same or a later time
 * costs no storage call, and it never sets a time past what alarms accept.
 *
 * @module
 */

import { MAX_TIME_MS } from "./api/limits.ts";

/**
 * While a run executes, the alarm is set this far ahead, so a run whose object dies mid-run
 * (a crash, an eviction, a restart) resumes from its journal this long after at most. While
 * it lives, each firing only pushes the watchdog on: one alarm per this much execution time.
 */
export const WATCHDOG_MS = 4_000;

/**
 * The alarm of one Durable Object.
 *
 * @example
 * ```ts
 * const alarm = new RunAlarm(ctx.storage);
 * await alarm.noLaterThan(Date.now() + 60_000);
 * ```
 */
export class RunAlarm {
  /** The alarm as this instance last set it; `undefined` when unknown (after a wake). */
  #at: number | undefined;

  constructor(readonly storage: DurableObjectStorage) {}

  /** Notes that the alarm fired (it is no longer set). */
  fired(): void {
    this.#at = undefined;
  }

  /** Sets the alarm for `at`. Not awaiting it lets a caller commit it with other writes. */
  set(at: number): Promise<void> {
    // Alarms stop in 2189; a run that sleeps longer is woken in 2100, finds itself not due
    // (its wake time is kept apart) and sleeps on.
    const clamped = Math.min(at, MAX_TIME_MS);
    this.#at = clamped;
    return this.storage.setAlarm(clamped);
  }

  /** Makes sure the alarm fires no later than `at`. */
  async noLaterThan(at: number): Promise<void> {
    const current = this.#at ?? (await this.storage.getAlarm());
    if (current === null || current > Math.min(at, MAX_TIME_MS)) await this.set(at);
  }

  /** Arms the watchdog for an execution starting now, unless an alarm within its reach is set. */
  async watch(now: number): Promise<number> {
    const watchdog = now + WATCHDOG_MS;
    if (this.#at === undefined || this.#at > watchdog) await this.set(watchdog);
    return watchdog;
  }

  /** Removes the alarm. */
  async clear(): Promise<void> {
    this.#at = undefined;
    await this.storage.deleteAlarm();
  }
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * await Promise.race([execution, delay(20)]);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
