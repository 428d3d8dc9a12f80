/**
 * Steps that wait or run other steps together: `all`, `allSettled`, `race`, `map`, `sleep`,
 * `sleepUntil`, `waitForEvent`. All are durable: a run that stops in the middle resumes with
 * finished children kept and timers still due at the same time.
 *
 * @module
 */

import { type Duration, toMillis } from "./duration.ts";
import type { State } from "./states.ts";
import { Step, type StepHandle } from "./step.ts";
import type { Task } from "./task_types.ts";

/** A step or a handle of a submitted step. */
export type Awaitable<T> = Step<T> | StepHandle<T>;

/** The result type of an {@link Awaitable}. */
export type ResultOf<S> = S extends Awaitable<infer T> ? T : never;

/** How one step of {@link allSettled} ended, with its final state (Prefect's `return_state`). */
export type Settled<T> =
  | { readonly status: "fulfilled"; readonly value: T; readonly state: State }
  | { readonly status: "rejected"; readonly reason: Error; readonly state: State };

/** Options of groups. */
export interface GroupOptions {
  /** At most this many steps run at once. Default: all of them. */
  readonly concurrency?: number;
}

function checkConcurrency(options: GroupOptions | undefined): number | undefined {
  const limit = options?.concurrency;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(`Cannot use concurrency ${limit}: expected a whole number ≥ 1`);
  }
  return limit;
}

/**
 * Runs steps concurrently and gives their results as a typed tuple. If any fails, the first
 * failure (in argument order) is thrown at the `yield*`, after every step has ended.
 *
 * @example
 * ```ts
 * const [a, b] = yield* all([parse(json), enrich(json)]);
 * ```
 */
export function all<const S extends readonly Awaitable<unknown>[]>(
  steps: S,
  options?: GroupOptions,
): Step<{ -readonly [K in keyof S]: ResultOf<S[K]> }> {
  const concurrency = checkConcurrency(options);
  return new Step({
    type: "group",
    mode: "all",
    children: [...steps],
    ...(concurrency === undefined ? {} : { concurrency }),
  });
}

/**
 * Runs steps concurrently and gives each one's final state instead of throwing (Prefect's
 * `return_state=True` and `allow_failure`).
 *
 * @example
 * ```ts
 * const results = yield* allSettled([load(a), load(b)]);
 * const failed = results.filter((r) => r.status === "rejected");
 * ```
 */
export function allSettled<const S extends readonly Awaitable<unknown>[]>(
  steps: S,
  options?: GroupOptions,
): Step<{ -readonly [K in keyof S]: Settled<ResultOf<S[K]>> }> {
  const concurrency = checkConcurrency(options);
  return new Step({
    type: "group",
    mode: "allSettled",
    children: [...steps],
    ...(concurrency === undefined ? {} : { concurrency }),
  });
}

/**
 * Runs steps concurrently; the first to end decides (its result, or its error thrown). The
 * others are cancelled: their signals abort and their states become Cancelled.
 *
 * @example
 * ```ts
 * const answer = yield* race([waitForEvent("approved"), sleep("1h")]);
 * ```
 */
export function race<const S extends readonly Awaitable<unknown>[]>(
  steps: S,
): Step<ResultOf<S[number]>> {
  if (steps.length === 0) throw new RangeError("Cannot race no steps: pass at least one");
  return new Step({ type: "group", mode: "race", children: [...steps] });
}

/**
 * Runs a one-argument task for every item, at most `concurrency` at a time, and gives the
 * results in item order (Prefect's `task.map`).
 *
 * @example
 * ```ts
 * const pages = yield* map(fetchPage, urls, { concurrency: 8 });
 * ```
 */
export function map<T, R>(
  task: Task<[T], R>,
  items: Iterable<T>,
  options?: GroupOptions,
): Step<Awaited<R>[]> {
  const steps = Array.from(items, (item) => task(item));
  return all(steps, options) as unknown as Step<Awaited<R>[]>;
}

/**
 * Waits durably for a duration (seconds, or a string like `"10m"`). The wake time is journaled
 * when the sleep starts, so a resumed run wakes at the same moment.
 *
 * @example
 * ```ts
 * yield* sleep("10m");
 * ```
 */
export function sleep(duration: Duration): Step<void> {
  return new Step({ type: "sleep", ms: toMillis(duration, "sleep duration") });
}

/**
 * Waits durably until a moment.
 *
 * @example
 * ```ts
 * yield* sleepUntil(new Date("2026-12-01T09:00:00Z"));
 * ```
 */
export function sleepUntil(date: Date | number): Step<void> {
  const until = typeof date === "number" ? date : date.getTime();
  if (!Number.isFinite(until))
    throw new RangeError(`Cannot sleep until ${String(date)}: not a valid date`);
  return new Step({ type: "sleep", until });
}

/**
 * Waits durably for an event sent to the run and gives its payload. An event sent before the
 * flow waits for it is kept for the first wait with its name. With `timeout`, a
 * `TimeoutError` is thrown at the `yield*` when it does not come in time.
 *
 * @example
 * ```ts
 * const { approvedBy } = yield* waitForEvent<{ approvedBy: string }>("approved", { timeout: "1d" });
 * ```
 */
export function waitForEvent<T = unknown>(
  name: string,
  options: { timeout?: Duration } = {},
): Step<T> {
  if (typeof name !== "string" || name === "") {
    throw new RangeError("Cannot wait for an event without a name");
  }
  return new Step({
    type: "event",
    name,
    ...(options.timeout === undefined
      ? {}
      : { timeoutMs: toMillis(options.timeout, "event timeout") }),
  });
}
