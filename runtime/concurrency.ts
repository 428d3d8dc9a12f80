/**
 * Concurrency limits and rate limits in flow code, as Prefect's `concurrency()` and
 * `rate_limit()`: `concurrency("db", body)` holds a slot of limit `db` while `body`'s steps
 * run; `rateLimit("api")` takes a slot of a rate limit, whose slots free themselves at the
 * limit's decay rate. A limit is created on first use with the `limit` given here (the API can
 * change it afterwards), or over the API beforehand. Tag limits need no code: a task run whose
 * tags (its own and its flow run's) name a limit takes a slot of it for each attempt.
 *
 * A step waiting for a slot holds no CPU: in a durable host its run suspends, and the limit
 * wakes it when it grants the slot.
 *
 * @module
 */

import { type Duration, toMillis } from "./duration.ts";
import { UsageError } from "./errors.ts";
import { type Command, Step, type StepSpec } from "./step.ts";

/** A group of steps: a function returning the generator `yield*` runs. */
export type StepGroup<T> = () =>
  | AsyncGenerator<Command, T, unknown>
  | Generator<Command, T, unknown>;

/**
 * Options of {@link concurrency}.
 *
 * @example
 * ```ts
 * const options: ConcurrencyOptions = { occupy: 2, limit: 4, timeout: "5m" };
 * ```
 */
export interface ConcurrencyOptions {
  /** Slots to hold of each limit (default 1). */
  readonly occupy?: number;
  /** The limit's size when it does not exist yet and is created by this use (default 1). */
  readonly limit?: number;
  /** Fail the step (TimeoutError) when no slot is granted within this time. */
  readonly timeout?: Duration;
  /** Fail instead of creating a missing limit. */
  readonly strict?: boolean;
}

/**
 * Options of {@link rateLimit}.
 *
 * @example
 * ```ts
 * const options: RateLimitOptions = { limit: 10, slotDecayPerSecond: 5 };
 * ```
 */
export interface RateLimitOptions extends ConcurrencyOptions {
  /** Slots freed per second, when this use creates the limit (default: `limit` per second). */
  readonly slotDecayPerSecond?: number;
}

function namesOf(names: string | readonly string[], what: string): readonly string[] {
  const list = typeof names === "string" ? [names] : [...names];
  if (list.length === 0) throw new UsageError(`${what}: give at least one limit name`);
  for (const name of list) {
    if (typeof name !== "string" || name.trim() === "" || name.length > 200) {
      throw new UsageError(
        `${what}: a limit name must be a non-empty string of at most 200 characters, got ${JSON.stringify(name)}`,
      );
    }
  }
  return [...new Set(list)].sort();
}

function positiveInteger(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function acquireSpec(
  action: "acquire" | "rate",
  limits: readonly string[],
  options: RateLimitOptions,
  what: string,
): StepSpec {
  const occupy = positiveInteger(options.occupy, 1, `${what}: occupy`);
  const limit = positiveInteger(options.limit, Math.max(1, occupy), `${what}: limit`);
  const decay = options.slotDecayPerSecond;
  if (decay !== undefined && !(Number.isFinite(decay) && decay > 0)) {
    throw new UsageError(`${what}: slotDecayPerSecond must be a positive number, got ${decay}`);
  }
  return {
    type: "slot",
    action,
    limits,
    occupy,
    ...(options.strict === true
      ? { strict: true }
      : {
          declare:
            action === "rate"
              ? { limit, slotDecayPerSecond: decay ?? limit }
              : { limit, ...(decay === undefined ? {} : { slotDecayPerSecond: decay }) },
        }),
    ...(options.timeout === undefined ? {} : { timeoutMs: toMillis(options.timeout, "timeout") }),
  };
}

/**
 * Runs `body`'s steps while holding `occupy` slots of each named limit (Prefect's
 * `with concurrency("db", occupy=1):`). The slots are taken in name order, so two groups that
 * name the same limits cannot deadlock, and given back when the body ends, however it ends.
 *
 * @example
 * ```ts
 * const rows = yield* concurrency("db", { occupy: 1, limit: 2 }, async function* () {
 *   const batch = yield* extract(day);
 *   return yield* load(batch);
 * });
 * ```
 */
export function concurrency<T>(
  names: string | readonly string[],
  body: StepGroup<T>,
): AsyncGenerator<Command, T, unknown>;
export function concurrency<T>(
  names: string | readonly string[],
  options: ConcurrencyOptions,
  body: StepGroup<T>,
): AsyncGenerator<Command, T, unknown>;
export function concurrency<T>(
  names: string | readonly string[],
  optionsOrBody: ConcurrencyOptions | StepGroup<T>,
  maybeBody?: StepGroup<T>,
): AsyncGenerator<Command, T, unknown> {
  const body = typeof optionsOrBody === "function" ? optionsOrBody : maybeBody;
  const options = typeof optionsOrBody === "function" ? {} : optionsOrBody;
  if (typeof body !== "function") {
    throw new UsageError("concurrency(names, [options], body): body must be a generator function");
  }
  const limits = namesOf(names, "concurrency()");
  const acquire = new Step<string>(acquireSpec("acquire", limits, options, "concurrency()"));
  return held(acquire, limits, body);
}

async function* held<T>(
  acquire: Step<string>,
  limits: readonly string[],
  body: StepGroup<T>,
): AsyncGenerator<Command, T, unknown> {
  const lease = yield* acquire;
  try {
    return yield* body();
  } finally {
    yield* new Step<void>({ type: "slot", action: "release", limits, lease });
  }
}

/**
 * Takes `occupy` slots of each named rate limit, waiting until they are free (Prefect's
 * `rate_limit("api")`). Nothing is given back: the slots free themselves at the limit's
 * `slotDecayPerSecond`. A limit created by this use gets `limit` slots (default 1) decaying at
 * `slotDecayPerSecond` (default `limit` per second).
 *
 * @example
 * ```ts
 * for (const url of urls) {
 *   yield* rateLimit("github-api", { limit: 10, slotDecayPerSecond: 2 });
 *   yield* fetchPage(url);
 * }
 * ```
 */
export function rateLimit(
  names: string | readonly string[],
  options: RateLimitOptions = {},
): Step<void> {
  const limits = namesOf(names, "rateLimit()");
  return new Step<void>(acquireSpec("rate", limits, options, "rateLimit()"));
}
