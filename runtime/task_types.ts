/**
 * The types of tasks: their options (Prefect's `@task` arguments) and the callable a task
 * definition is.
 *
 * @module
 */

import type { TaskContext } from "./context.ts";
import type { Duration } from "./duration.ts";
import type { Step, Submission } from "./step.ts";

/**
 * Seconds to wait before each retry: one number for all, a list whose last value repeats, or a
 * function of the retry number (see `exponentialBackoff`).
 */
export type RetryDelay = Duration | readonly Duration[] | ((retry: number) => Duration);

/** What a custom cache key function is given. */
export interface CacheKeyContext<A extends readonly unknown[]> {
  readonly taskName: string;
  readonly taskVersion: string | undefined;
  readonly args: A;
  readonly flowRunId: string;
  readonly flowName: string;
}

/** Prefect's cache settings: `cache_key_fn`, `cache_expiration`, `refresh_cache`. */
export interface CacheOptions<A extends readonly unknown[]> {
  /** Default: a SHA-256 of the task's name, version and arguments. Return `undefined` to skip. */
  readonly key?: (ctx: CacheKeyContext<A>) => string | undefined | Promise<string | undefined>;
  /** How long an entry is valid. Default: forever. */
  readonly expiration?: Duration;
  /** Run the task even on a hit and overwrite the entry. */
  readonly refresh?: boolean;
}

/** Options of {@link task}, with Prefect's meaning. */
export interface TaskOptions<A extends readonly unknown[]> {
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  readonly tags?: readonly string[];
  /** How many times to retry after a failure. Default 0. */
  readonly retries?: number;
  /** Default 0 seconds. */
  readonly retryDelay?: RetryDelay;
  /** Adds up to this fraction of the delay at random, e.g. 0.5 turns 10s into 10–15s. */
  readonly retryJitterFactor?: number;
  /** Retry only when this returns true (NonRetryableError never retries). */
  readonly retryCondition?: (error: Error, attempt: number) => boolean | Promise<boolean>;
  /** Fail an attempt (state TimedOut) that runs longer than this. */
  readonly timeout?: Duration;
  /** Cache results by key: `true` for the default key from task identity and inputs. */
  readonly cache?: boolean | CacheOptions<A>;
  /** Store the result in the result store; the journal keeps a reference. */
  readonly persistResult?: boolean;
  /** The result store key: a template over `{flowRunId}`, `{taskRunName}`, `{0}`, `{arg.field}`… */
  readonly resultStorageKey?: string;
  /** The task run's name: a template (`"fetch-{0}"`, `"load-{path}"` for an object argument) or a function. */
  readonly runName?: string | ((...args: A) => string);
  /** Console output inside the task becomes its log lines. */
  readonly logPrints?: boolean;
}

/** A task's function. It may take the {@link TaskContext} as `this`. */
export type TaskFn<A extends readonly unknown[], R> = (
  this: TaskContext,
  ...args: A
) => R | Promise<R>;

/**
 * A task definition: call it inside a flow and `yield*` the step.
 *
 * @example
 * ```ts
 * const double = task({ name: "double" }, (n: number) => n * 2);
 * // inside a flow: const four = yield* double(2);
 * ```
 */
export interface Task<A extends readonly unknown[], R> {
  (...args: A): Step<Awaited<R>>;
  /** Starts the task without waiting (Prefect's `.submit()`); `yield*` gives a handle. */
  submit(...args: A): Submission<Awaited<R>>;
  /** A copy of this task with some options replaced (Prefect's `with_options`). */
  with(overrides: Partial<TaskOptions<A>>): Task<A, R>;
  readonly taskName: string;
  readonly options: TaskOptions<A>;
  /** The plain function, to call outside any flow (Prefect's `.fn`). */
  readonly fn: TaskFn<A, R>;
  readonly kind: "task";
}

/** A task of any signature. */
// biome-ignore lint/suspicious/noExplicitAny: tasks of every signature must fit here.
export type AnyTask = Task<any, unknown>;
