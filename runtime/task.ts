/**
 * `task()`: turns a function into a task, Prefect's `@task`.
 *
 * @module
 */

import { type Duration, toMillis } from "./duration.ts";
import { UsageError } from "./errors.ts";
import { Step, Submission } from "./step.ts";
import type { Task, TaskFn, TaskOptions } from "./task_types.ts";

/**
 * Defines a task. Inside a flow, `yield* myTask(...args)` runs it as a task run with its own
 * state history, retries, timeout and cache, and gives its typed result.
 *
 * @example
 * ```ts
 * const fetchFact = task(
 *   { name: "fetch-fact", retries: 3, retryDelay: [1, 5, 10] },
 *   async (url: string) => (await fetch(url)).json() as Promise<{ fact: string }>,
 * );
 * ```
 */
export function task<A extends readonly unknown[], R>(
  options: TaskOptions<A>,
  fn: TaskFn<A, R>,
): Task<A, R> {
  validateTaskOptions(options);
  const call = ((...args: A) =>
    new Step<Awaited<R>>({ type: "task", task: definition as never, args })) as Task<A, R>;
  const definition = Object.defineProperties(call, {
    submit: {
      value: (...args: A) =>
        new Submission<Awaited<R>>(new Step({ type: "task", task: definition as never, args })),
    },
    with: { value: (overrides: Partial<TaskOptions<A>>) => task({ ...options, ...overrides }, fn) },
    taskName: { value: options.name, enumerable: true },
    options: { value: Object.freeze({ ...options }), enumerable: true },
    fn: { value: fn },
    kind: { value: "task" },
    name: { value: options.name },
  }) as Task<A, R>;
  return definition;
}

function validateTaskOptions<A extends readonly unknown[]>(options: TaskOptions<A>): void {
  if (typeof options?.name !== "string" || options.name.trim() === "") {
    throw new UsageError('Cannot define a task without a name: pass task({ name: "my-task" }, fn)');
  }
  const retries = options.retries;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    throw new UsageError(
      `Cannot define task '${options.name}': retries must be a whole number ≥ 0, got ${retries}`,
    );
  }
  const jitter = options.retryJitterFactor;
  if (jitter !== undefined && (!Number.isFinite(jitter) || jitter < 0)) {
    throw new UsageError(
      `Cannot define task '${options.name}': retryJitterFactor must be ≥ 0, got ${jitter}`,
    );
  }
  // Bad durations fail here, not as a crashed run when the task first times or retries.
  const delay = options.retryDelay;
  const durations: [string, Duration | undefined][] = [
    ["timeout", options.timeout],
    ["cache expiration", typeof options.cache === "object" ? options.cache.expiration : undefined],
    ...(typeof delay === "function" || delay === undefined
      ? []
      : (Array.isArray(delay) ? delay : [delay]).map((d): [string, Duration] => ["retryDelay", d])),
  ];
  for (const [what, value] of durations) {
    if (value === undefined) continue;
    try {
      toMillis(value, what);
    } catch (error) {
      throw new UsageError(`Cannot define task '${options.name}': ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
