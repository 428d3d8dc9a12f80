/**
 * Drives a flow body: resumes the generator with each step's outcome (or throws the step's
 * error into it), runs the steps it yields, and stops when the body returns or throws, when
 * the run is aborted (cancelled or timed out), or, in "suspend" mode, when only timers and
 * events could move it.
 *
 * @module
 */

import { abortReason } from "../clock.ts";
import type { FlowContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { boundLogger } from "../logs.ts";
import { uuidFrom } from "../random.ts";
import { Failed, Running } from "../states.ts";
import { type Command, isCommand } from "../step.ts";
import type { Execution, Outcome } from "./execution.ts";
import { prepareStep } from "./run_step.ts";

/** How driving the body ended. */
export type DriveResult =
  | { readonly kind: "completed"; readonly value: unknown }
  | {
      readonly kind: "failed";
      readonly error: Error;
      readonly fatal: boolean;
      readonly timedOut: boolean;
    }
  | { readonly kind: "suspended"; readonly wakeAt: number | undefined };

const SUSPENDED = Symbol("suspended");
const ABORTED = Symbol("aborted");

/**
 * Runs the flow body of `exec` with `params` until it ends or suspends.
 *
 * @example
 * ```ts
 * const result = await drive(execution, { url });
 * ```
 */
export async function drive(exec: Execution, params: unknown): Promise<DriveResult> {
  const record = exec.record;
  // Every top-level step id the journal holds: the body replays until it has yielded them.
  let journaled = 0;
  for (const id of record.steps.keys()) {
    if (!id.includes(".")) journaled = Math.max(journaled, Number(id) + 1);
  }
  exec.replayUntil = journaled;
  let logicalNow = record.attemptStartedAt ?? exec.now();
  const ctx: FlowContext = {
    runId: exec.runId,
    runName: record.info?.name ?? exec.runId,
    flowName: exec.flow.flowName,
    parentRunId: record.info?.parentRunId,
    tags: record.info?.tags ?? [],
    attempt: record.retries + 1,
    logger: boundLogger(exec.flowLogger),
    get isReplaying() {
      return exec.isReplaying;
    },
    now: () => new Date(logicalNow),
    random: exec.random,
    uuid: () => uuidFrom(exec.random),
  };
  // Submitted steps not yet awaited, and the step the body waits for: what settleAll waits for.
  // The awaited step is kept apart so a sequential flow does not add to and delete from a Set
  // per step (V8 reallocates a Set's table each time it empties).
  const pending = new Set<Promise<Outcome>>();
  let current: Promise<Outcome> | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    if (exec.signal.aborted) resolve(ABORTED);
    else exec.signal.addEventListener("abort", () => resolve(ABORTED), { once: true });
  });
  const suspended = exec.activity.suspended.then((wakeAt) => ({ [SUSPENDED]: wakeAt }));
  // The step the body waits for races the run's suspension and abort. Racing those long-lived
  // promises directly would leave two reactions on them per step, kept until the run ends, so
  // they fire into the wait in progress instead (the race is used only once one has fired).
  type Interruption = typeof ABORTED | { [SUSPENDED]: number | undefined };
  let interruption: Interruption | undefined;
  let interrupt: ((value: Interruption) => void) | undefined;
  const onInterruption = (value: Interruption) => {
    interruption ??= value;
    interrupt?.(value);
  };
  aborted.then(onInterruption);
  suspended.then(onInterruption);
  const untilInterrupted = exec.activity.mode === "suspend";
  const waitFor = (promise: Promise<Outcome>): Promise<Outcome | Interruption> => {
    if (interruption !== undefined) return Promise.race([promise, suspended, aborted]);
    return new Promise((resolve, reject) => {
      interrupt = resolve;
      promise.then(resolve, reject);
    });
  };
  const abortResult = (): DriveResult => {
    // A bare abort() (an AbortError) becomes a CancelledError, so the run ends Cancelled.
    const error = abortReason(exec.signal);
    return { kind: "failed", error, fatal: false, timedOut: error.name === "TimeoutError" };
  };
  let active = false;
  // Waits for steps still in flight (submitted and never awaited, or aborted); in "suspend"
  // mode they may be waiting on timers, and then the run suspends instead.
  const settleAll = async (): Promise<DriveResult | undefined> => {
    exec.activity.leave();
    active = false;
    const inFlight = current === undefined ? pending : [...pending, current];
    const settled = await Promise.race([Promise.all(inFlight), suspended]);
    exec.activity.enter();
    active = true;
    if (!Array.isArray(settled) && SUSPENDED in settled) {
      return { kind: "suspended", wakeAt: settled[SUSPENDED] };
    }
    return undefined;
  };

  exec.activity.enter();
  active = true;
  try {
    let generator: AsyncGenerator<Command, unknown, unknown>;
    try {
      const made: unknown = exec.flow.body(params, ctx);
      if (!isAsyncIterator(made)) throw notAGenerator(exec.flow.flowName, returned(made));
      generator = made;
    } catch (error) {
      return { kind: "failed", error: toError(error), fatal: false, timedOut: false };
    }
    let input: Outcome | undefined;
    for (;;) {
      if (exec.signal.aborted) return (await settleAll()) ?? abortResult();
      let next: IteratorResult<Command, unknown>;
      try {
        next =
          input === undefined || input.ok
            ? await generator.next(input?.value)
            : await generator.throw(exec.noteStepError(input.error));
      } catch (error) {
        const suspension = await settleAll();
        if (suspension !== undefined) return suspension;
        if (exec.signal.aborted) return abortResult();
        return { kind: "failed", error: toError(error), fatal: false, timedOut: false };
      }
      if (next.done) {
        const suspension = await settleAll();
        if (suspension !== undefined) return suspension;
        if (exec.signal.aborted) return abortResult();
        return { kind: "completed", value: next.value };
      }
      const command = next.value;
      if (!isCommand(command)) {
        const error = new UsageError(
          `A flow body must yield steps with yield* (for example \`yield* myTask(x)\`), but flow '${exec.flow.flowName}' yielded ${describe(command)}`,
        );
        input = exec.failure(error, Failed(exec.now(), { message: error.message }));
        continue;
      }
      if (command.kind === "submit") {
        const stepId = String(exec.topLevelSeq++);
        command.handle.stepId = stepId;
        const promise = prepareStep(exec, stepId, command.step)();
        pending.add(promise);
        exec.inflight.set(command.handle, promise);
        input = { ok: true, value: command.handle, at: logicalNow, state: Running(logicalNow) };
        continue;
      }
      let promise: Promise<Outcome>;
      if (command.kind === "await") {
        promise =
          exec.inflight.get(command.handle) ??
          Promise.resolve(
            exec.failure(
              new UsageError("This step handle was not submitted in this run"),
              Failed(exec.now()),
            ),
          );
      } else {
        const stepId = String(exec.topLevelSeq++);
        promise = prepareStep(exec, stepId, command.step)();
        current = promise;
      }
      exec.activity.leave();
      active = false;
      // In "wait" mode the run never suspends, and an abort ends every step (it would wait
      // for them all in settleAll anyway), so only the step itself can end this wait: await it
      // directly, without a wrapper promise per step, and treat an abort seen on resuming as
      // the interruption it would have been.
      const waited = untilInterrupted ? await waitFor(promise) : await promise;
      interrupt = undefined;
      exec.activity.enter();
      active = true;
      if (waited === ABORTED || exec.signal.aborted) return (await settleAll()) ?? abortResult();
      if (typeof waited === "object" && SUSPENDED in waited) {
        return { kind: "suspended", wakeAt: waited[SUSPENDED] };
      }
      const outcome = waited as Outcome;
      if (current === promise) current = undefined;
      else pending.delete(promise);
      if (!outcome.ok && outcome.fatal) {
        return { kind: "failed", error: outcome.error, fatal: true, timedOut: false };
      }
      logicalNow = Math.max(logicalNow, outcome.at);
      input = outcome;
    }
  } finally {
    if (active) exec.activity.leave();
  }
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === "string" ? value : `Non-error value thrown: ${String(value)}`);
}

function isAsyncIterator(value: unknown): value is AsyncGenerator<Command, unknown, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { next?: unknown }).next === "function" &&
    typeof (value as { throw?: unknown }).throw === "function"
  );
}

/**
 * The error for a flow body that is not an async generator function, saying what to write.
 * `what` says what the body is or returned.
 *
 * @example
 * ```ts
 * notAGenerator("report", "is an async function").message;
 * // "The body of flow 'report' is an async function, not an async generator: write it as `async function* ...`"
 * ```
 */
export function notAGenerator(flowName: string, what: string): UsageError {
  return new UsageError(
    `The body of flow '${flowName}' ${what}, not an async generator: write it as \`async function* (params, ctx) { const x = yield* myTask(params.n); return x; }\` (a * after function, and yield* before each task call)`,
  );
}

function returned(made: unknown): string {
  if (typeof made === "object" && made !== null && "then" in made) {
    return "returned a promise (it is an async function)";
  }
  return `returned ${made === undefined ? "undefined" : describe(made)} (it is a plain function)`;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined (a bare `yield`)";
  if (typeof value === "object" && value !== null && "then" in value) {
    return "a promise (await it instead, or make it a task)";
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
