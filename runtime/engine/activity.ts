/**
 * Knows when an execution is only waiting. In "wait" mode waits are real (the clock sleeps);
 * in "suspend" mode a wait registers what would end it, and once no work is active and at
 * least one wait is pending, the execution suspends and reports the earliest timer so a
 * durable host (a Durable Object alarm) can wake it later. Replay then picks up from the
 * journal.
 *
 * @module
 */

import { abortReason, type Clock } from "../clock.ts";

const NOT_YET = Symbol("not yet");

/**
 * What a pending wait is for: `event` (input from outside the run: the run shows Suspended
 * while it waits), a task run's `retryDelay`, or any other `wait` (a sleep, a child run),
 * during which the run stays Running as a sleeping Prefect flow does.
 *
 * @example
 * ```ts
 * await activity.until(retryAt, signal, "retryDelay");
 * ```
 */
export type WaitKind = "retryDelay" | "event" | "wait";

/**
 * Counts active work and pending waits for one execution.
 *
 * @example
 * ```ts
 * const activity = new Activity("suspend", clock);
 * activity.enter(); try { await doWork(); } finally { activity.leave(); }
 * await activity.until(wakeAt, signal); // suspends the execution in "suspend" mode
 * ```
 */
export class Activity {
  #active = 0;
  readonly #waits = new Map<object, { at: number | undefined; kind: WaitKind }>();
  #waitsForEvent = false;
  #checkScheduled = false;
  #suspendedDecided = false;
  #resolveSuspended!: (wakeAt: number | undefined) => void;
  /** Resolves, with the earliest wake time, when the execution should suspend. */
  readonly suspended: Promise<number | undefined>;

  constructor(
    readonly mode: "wait" | "suspend",
    readonly clock: Clock,
  ) {
    this.suspended = new Promise((resolve) => {
      this.#resolveSuspended = resolve;
    });
  }

  /** Marks the start of work that is not waiting. */
  enter(): void {
    this.#active++;
  }

  /** Marks the end of work started with {@link enter}. */
  leave(): void {
    this.#active--;
    if (this.#active === 0) this.#scheduleCheck();
  }

  /**
   * Waits until `epochMs`: on the clock in "wait" mode; in "suspend" mode by registering a
   * timer and never resolving in this execution (unless the time has already come).
   */
  until(epochMs: number, signal: AbortSignal, kind: WaitKind = "wait"): Promise<void> {
    if (this.clock.now() >= epochMs) return Promise.resolve();
    if (this.mode === "wait") return this.clock.sleepUntil(epochMs, signal);
    return this.block(new Promise<never>(() => {}), signal, epochMs, kind);
  }

  /** Whether this execution has decided to suspend (it takes no more input). */
  get hasSuspended(): boolean {
    return this.#suspendedDecided;
  }

  /**
   * Whether the last suspension waited for an event: only then is the run Suspended (waiting
   * for input). Waiting out a sleep, a child run or a task's retry delay, it stays Running.
   */
  get suspendedForEvent(): boolean {
    return this.#waitsForEvent;
  }

  /**
   * Waits for `promise` as a pending wait (an event, a child run). In "suspend" mode the
   * execution may suspend while it is pending; `wakeAt` is when a timer would end it.
   */
  block<T>(
    promise: Promise<T>,
    signal: AbortSignal,
    wakeAt?: number,
    kind: WaitKind = "wait",
  ): Promise<T> {
    const token = {};
    this.#waits.set(token, { at: wakeAt, kind });
    this.#scheduleCheck();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.#waits.delete(token);
        reject(abortReason(signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          this.#waits.delete(token);
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          this.#waits.delete(token);
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * Waits for `promise` until `deadline` (epoch ms, optional): resolves `{ timedOut: true }`
   * when the deadline comes first.
   */
  async blockUntil<T>(
    promise: Promise<T>,
    signal: AbortSignal,
    deadline: number | undefined,
    kind: WaitKind = "wait",
  ): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
    if (deadline !== undefined && this.clock.now() >= deadline) {
      // An event may already be waiting in the queue; take it if it resolves at once.
      const first = await Promise.race([promise, Promise.resolve(NOT_YET)]);
      return first === NOT_YET ? { timedOut: true } : { timedOut: false, value: first as T };
    }
    const wrapped = promise.then((value) => ({ timedOut: false as const, value }));
    if (deadline === undefined) return this.block(wrapped, signal, undefined, kind);
    if (this.mode === "suspend") return this.block(wrapped, signal, deadline, kind);
    const timer = new AbortController();
    const onAbort = () => timer.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([
        wrapped,
        this.clock.sleepUntil(deadline, timer.signal).then(() => ({ timedOut: true as const })),
      ]);
    } finally {
      signal.removeEventListener("abort", onAbort);
      timer.abort();
    }
  }

  #scheduleCheck(): void {
    if (this.mode !== "suspend" || this.#checkScheduled) return;
    this.#checkScheduled = true;
    // A macrotask lets every settled promise chain run first, so "idle" is really idle.
    setTimeout(() => {
      this.#checkScheduled = false;
      if (this.#active !== 0 || this.#waits.size === 0) return;
      let earliest: number | undefined;
      let forEvent = false;
      for (const { at, kind } of this.#waits.values()) {
        if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
        if (kind === "event") forEvent = true;
      }
      this.#waitsForEvent = forEvent;
      this.#suspendedDecided = true;
      this.#resolveSuspended(earliest);
    }, 0);
  }
}
