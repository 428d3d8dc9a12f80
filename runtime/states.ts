/**
 * Run states, as Prefect names them. A state has a `type` (what the engine does with it) and a
 * `name` (what people see): a cache hit is `{ type: "COMPLETED", name: "Cached" }`, a retry wait
 * is `{ type: "SCHEDULED", name: "AwaitingRetry" }`. Flow runs and task runs keep every state
 * they pass through as their state history.
 *
 * @module
 */

/** The state types. Only these drive the engine; names are for people. */
export const StateType = {
  SCHEDULED: "SCHEDULED",
  PENDING: "PENDING",
  RUNNING: "RUNNING",
  PAUSED: "PAUSED",
  CANCELLING: "CANCELLING",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  CANCELLED: "CANCELLED",
  CRASHED: "CRASHED",
} as const;

/** One of the {@link StateType} values. */
export type StateType = (typeof StateType)[keyof typeof StateType];

/** A state of a flow run or a task run. Plain data: it is journaled and sent over the API. */
export interface State {
  readonly type: StateType;
  /** Prefect's state name, e.g. "Completed", "Cached", "AwaitingRetry", "TimedOut". */
  readonly name: string;
  /** Epoch milliseconds when the run entered this state. */
  readonly timestamp: number;
  readonly message?: string;
  /** For SCHEDULED and PAUSED states: epoch milliseconds the run waits until. */
  readonly scheduledTime?: number;
}

/** The types after which a run does nothing more. */
export const FINAL_STATE_TYPES: ReadonlySet<StateType> = new Set([
  StateType.COMPLETED,
  StateType.FAILED,
  StateType.CANCELLED,
  StateType.CRASHED,
]);

/**
 * Whether a state is final (COMPLETED, FAILED, CANCELLED or CRASHED).
 *
 * @example
 * ```ts
 * isFinal(Completed(Date.now())); // true
 * ```
 */
export function isFinal(state: State): boolean {
  return FINAL_STATE_TYPES.has(state.type);
}

function make(type: StateType, name: string) {
  // No default `{}` for `extra`: most states are made without one, two per task run.
  return (timestamp: number, extra?: { message?: string; scheduledTime?: number }): State => {
    const state: { -readonly [K in keyof State]: State[K] } = { type, name, timestamp };
    if (extra?.message !== undefined) state.message = extra.message;
    if (extra?.scheduledTime !== undefined) state.scheduledTime = extra.scheduledTime;
    return state;
  };
}

/** `SCHEDULED` "Scheduled": waits for its start time. @example `Scheduled(now, { scheduledTime })` */
export const Scheduled = make(StateType.SCHEDULED, "Scheduled");
/** `SCHEDULED` "Late": its start time passed and it has not started. @example `Late(now)` */
export const Late = make(StateType.SCHEDULED, "Late");
/** `SCHEDULED` "AwaitingRetry": failed, will retry at `scheduledTime`. @example `AwaitingRetry(now, { scheduledTime })` */
export const AwaitingRetry = make(StateType.SCHEDULED, "AwaitingRetry");
/** `SCHEDULED` "AwaitingConcurrencySlot": waits for a concurrency slot. @example `AwaitingConcurrencySlot(now)` */
export const AwaitingConcurrencySlot = make(StateType.SCHEDULED, "AwaitingConcurrencySlot");
/** `PENDING` "Pending": created, not started. @example `Pending(now)` */
export const Pending = make(StateType.PENDING, "Pending");
/** `RUNNING` "Running". @example `Running(now)` */
export const Running = make(StateType.RUNNING, "Running");
/** `RUNNING` "Retrying": running again after a failure. @example `Retrying(now)` */
export const Retrying = make(StateType.RUNNING, "Retrying");
/** `PAUSED` "Paused": waits for an event or a timer while its process stays up. @example `Paused(now)` */
export const Paused = make(StateType.PAUSED, "Paused");
/** `PAUSED` "Suspended": waits with no process held; its host wakes it. @example `Suspended(now)` */
export const Suspended = make(StateType.PAUSED, "Suspended");
/** `CANCELLING` "Cancelling": cancellation requested, work is being stopped. @example `Cancelling(now)` */
export const Cancelling = make(StateType.CANCELLING, "Cancelling");
/** `COMPLETED` "Completed". @example `Completed(now)` */
export const Completed = make(StateType.COMPLETED, "Completed");
/** `COMPLETED` "Cached": the result came from the cache. @example `Cached(now)` */
export const Cached = make(StateType.COMPLETED, "Cached");
/** `FAILED` "Failed". @example `Failed(now, { message })` */
export const Failed = make(StateType.FAILED, "Failed");
/** `FAILED` "TimedOut": ran longer than its timeout. @example `TimedOut(now, { message })` */
export const TimedOut = make(StateType.FAILED, "TimedOut");
/** `CANCELLED` "Cancelled". @example `Cancelled(now)` */
export const Cancelled = make(StateType.CANCELLED, "Cancelled");
/** `CRASHED` "Crashed": the infrastructure failed, not the code. @example `Crashed(now, { message })` */
export const Crashed = make(StateType.CRASHED, "Crashed");

/**
 * Formats a state the way Prefect logs it: `Completed()`, `Failed('boom')`.
 *
 * @example
 * ```ts
 * formatState(Failed(0, { message: "boom" })); // "Failed('boom')"
 * ```
 */
export function formatState(state: State): string {
  return state.message === undefined || state.type === StateType.COMPLETED
    ? `${state.name}()`
    : `${state.name}('${state.message}')`;
}
