/**
 * Steps: what a flow body delegates to with `yield*`. A step is a description (run this task
 * with these arguments, sleep until then, wait for that event, run these in parallel); the
 * executor runs it, journals its outcome, and sends the result back into the generator, which
 * is how `const x = yield* fetchFact(url)` gets a typed `x`.
 *
 * Steps are deliberately not thenables: `await fetchFact(url)` inside a flow would run nothing
 * and journal nothing, so it throws a {@link UsageError} that says to use `yield*`. Handles
 * cannot carry that trap: `yield*` awaits the value a delegated iterator returns, and a
 * submission returns its handle.
 *
 * @module
 */

import { UsageError } from "./errors.ts";
import type { AnyFlow } from "./flow_types.ts";
import type { AnyTask } from "./task_types.ts";

/** How a group of steps runs and what it returns. */
export type GroupMode = "all" | "allSettled" | "race";

/** The description of one step. A discriminated union on `type`. */
export type StepSpec =
  | { readonly type: "task"; readonly task: AnyTask; readonly args: readonly unknown[] }
  | {
      readonly type: "subflow";
      readonly flow: AnyFlow;
      readonly params: unknown;
      readonly name?: string;
      readonly tags?: readonly string[];
    }
  | {
      /** A run of a deployment on a Weir server (see `runDeployment` in run_deployment.ts). */
      readonly type: "deployment";
      /** `flow-name/deployment-name`. */
      readonly ref: string;
      readonly params: Readonly<Record<string, unknown>> | undefined;
      /** Wait for the run's result (`runDeployment`) or only start it (`startDeployment`). */
      readonly wait: boolean;
      readonly timeoutMs?: number;
      readonly name?: string;
      readonly tags?: readonly string[];
    }
  | { readonly type: "sleep"; readonly ms?: number; readonly until?: number }
  | { readonly type: "event"; readonly name: string; readonly timeoutMs?: number }
  | {
      /**
       * Concurrency slots (see concurrency.ts): `acquire` takes a slot of each limit and holds
       * it until the matching `release` (its `lease` is the acquire step's result); `rate`
       * occupies slots of rate limits, which decay.
       */
      readonly type: "slot";
      readonly action: "acquire" | "release" | "rate";
      readonly limits: readonly string[];
      readonly occupy?: number;
      /** Creates a missing limit with these values; absent with `strict`, a missing limit fails. */
      readonly declare?: { readonly limit: number; readonly slotDecayPerSecond?: number };
      readonly strict?: boolean;
      readonly timeoutMs?: number;
      readonly lease?: string;
    }
  | {
      readonly type: "group";
      readonly mode: GroupMode;
      readonly children: readonly (Step<unknown> | StepHandle<unknown>)[];
      readonly concurrency?: number;
    };

/** What a flow generator yields. The executor answers each with the step's outcome. */
export type Command =
  | { readonly kind: "step"; readonly step: Step<unknown> }
  | { readonly kind: "submit"; readonly step: Step<unknown>; readonly handle: StepHandle<unknown> }
  | { readonly kind: "await"; readonly handle: StepHandle<unknown> };

const AWAIT_HINT =
  "A Weir step is not a promise: inside a flow, run it with `yield*` (const x = yield* myTask(a)). " +
  "To call a task's function directly, use myTask.fn(...).";

/**
 * A step of type `T`: `yield*` it inside a flow to run it and get its result.
 *
 * @example
 * ```ts
 * const fact: string = yield* parseFact(json);
 * ```
 */
export class Step<T> {
  constructor(readonly spec: StepSpec) {}

  *[Symbol.iterator](): Generator<Command, T, unknown> {
    return (yield { kind: "step", step: this as Step<unknown> }) as T;
  }

  /** `yield*` from a flow body (an async generator) takes this path; see {@link OneCommand}. */
  [Symbol.asyncIterator](): AsyncIterator<Command, T, unknown> {
    return new OneCommand<T>({ kind: "step", step: this as Step<unknown> });
  }

  /** Steps are not awaitable; this throws a {@link UsageError} explaining `yield*`. */
  // biome-ignore lint/suspicious/noThenProperty: a throwing then() turns `await step` into a clear error.
  then(): never {
    throw new UsageError(AWAIT_HINT);
  }
}

/**
 * A started step that the flow has not waited for yet (Prefect's future). `yield*` it to wait
 * for its result; pass it to `all`, `race` or `allSettled` to wait for several.
 *
 * @example
 * ```ts
 * const a = yield* fetch.submit(urlA);
 * const b = yield* fetch.submit(urlB);
 * const [x, y] = yield* all([a, b]);
 * ```
 */
export class StepHandle<T> {
  /** The step id the executor gave the step when it was submitted. */
  stepId: string | undefined;
  constructor(readonly step: Step<T>) {}

  *[Symbol.iterator](): Generator<Command, T, unknown> {
    return (yield { kind: "await", handle: this as StepHandle<unknown> }) as T;
  }

  /** `yield*` from a flow body (an async generator) takes this path; see {@link OneCommand}. */
  [Symbol.asyncIterator](): AsyncIterator<Command, T, unknown> {
    return new OneCommand<T>({ kind: "await", handle: this as StepHandle<unknown> });
  }
}

/**
 * Starting a step without waiting for it: `yield*` it to get a {@link StepHandle}.
 *
 * @example
 * ```ts
 * const handle = yield* stopAtFloor.submit(3);
 * ```
 */
export class Submission<T> {
  constructor(readonly step: Step<T>) {}

  *[Symbol.iterator](): Generator<Command, StepHandle<T>, unknown> {
    const handle = new StepHandle<T>(this.step);
    yield {
      kind: "submit",
      step: this.step as Step<unknown>,
      handle: handle as StepHandle<unknown>,
    };
    return handle;
  }

  /** Submissions are not awaitable; this throws a {@link UsageError} explaining `yield*`. */
  // biome-ignore lint/suspicious/noThenProperty: a throwing then() turns `await step` into a clear error.
  then(): never {
    throw new UsageError(AWAIT_HINT);
  }
}

/**
 * The iterator `yield*` gets from a step inside an async generator (a flow body): it yields
 * one command and returns what the executor sends back, as the step's generator does. An
 * async generator delegating to a sync iterator wraps it in an async-from-sync iterator,
 * which costs several promises and microtask turns per step; this costs one object and two
 * resolved promises. An error sent back is thrown at the `yield*`, as in the generator.
 */
class OneCommand<T> implements AsyncIterator<Command, T, unknown> {
  #command: Command | undefined;

  constructor(command: Command) {
    this.#command = command;
  }

  next(sent?: unknown): Promise<IteratorResult<Command, T>> {
    const command = this.#command;
    if (command === undefined) return Promise.resolve({ value: sent as T, done: true });
    this.#command = undefined;
    return Promise.resolve({ value: command, done: false });
  }

  throw(error?: unknown): Promise<IteratorResult<Command, T>> {
    this.#command = undefined;
    return Promise.reject(error);
  }

  return(value?: unknown): Promise<IteratorResult<Command, T>> {
    this.#command = undefined;
    return Promise.resolve({ value: value as T, done: true });
  }
}

/**
 * Whether a value is a Weir command (what flow generators yield).
 *
 * @example
 * ```ts
 * isCommand({ kind: "step", step }); // true
 * ```
 */
export function isCommand(value: unknown): value is Command {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    (kind === "step" && (value as { step?: unknown }).step instanceof Step) ||
    (kind === "submit" && (value as { step?: unknown }).step instanceof Step) ||
    (kind === "await" && (value as { handle?: unknown }).handle instanceof StepHandle)
  );
}
