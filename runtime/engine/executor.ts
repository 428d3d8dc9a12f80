/**
 * The executor: takes a run from creation to a final state. It journals the run's creation,
 * waits for its scheduled start, validates its parameters, drives the flow body (see
 * `drive.ts`), applies flow-level retries and timeouts, journals the final state and calls
 * the flow's hooks. A run that is already finished is reported, not run again; a run that is
 * not is replayed from its journal.
 *
 * @module
 */

import { decode, encode } from "../codec.ts";
import { formatMillis, toMillis } from "../duration.ts";
import {
  CancelledError,
  describeError,
  serializeError,
  TimeoutError,
  UsageError,
} from "../errors.ts";
import type { AnyFlow } from "../flow_types.ts";
import type { JournalEntry } from "../journal.ts";
import type { RunSlot } from "../limits/port.ts";
import { hashString, randomUUID, seededRandom } from "../random.ts";
import { retryDelayMs } from "../retry.ts";
import type { ExecutionResult } from "../run_options.ts";
import { validateParams } from "../schema.ts";
import {
  AwaitingRetry,
  Cancelled,
  Cancelling,
  Completed,
  Crashed,
  Failed,
  Retrying,
  Running,
  type State,
  Suspended,
  TimedOut,
} from "../states.ts";
import { type DriveResult, drive } from "./drive.ts";
import { EngineLines } from "./engine_lines.ts";
import { Execution } from "./execution.ts";
import { callHooks } from "./hooks.ts";
import type { Host } from "./host.ts";
import { type CreateRun, runCreation } from "./run_creation.ts";
import { applyEntry, foldJournal, type RunRecord } from "./run_record.ts";
import { releaseRunSlots, runSlotsOf, takeRunSlots } from "./run_slots.ts";
import { failureLine } from "./task_run_entries.ts";

/** The executor's report: the {@link ExecutionResult}, plus the result when finished. */
export type ExecutionReport = ExecutionResult & {
  readonly finished?: Extract<JournalEntry, { type: "run.finished" }>;
};

/**
 * One run's lifecycle in this process. `cancel` and `sendEvent` reach the execution in
 * progress, if any, and the journal in every case.
 *
 * @example
 * ```ts
 * const lifecycle = new RunLifecycle(flow, host, runId, { params: {} });
 * const report = await lifecycle.run();
 * ```
 */
export class RunLifecycle {
  #current: Execution | undefined;
  #running = false;
  /** The run's own concurrency slots, once this execution has worked them out. */
  #slots: readonly RunSlot[] = [];
  #firstExecution: Promise<void>;
  #resolveFirstExecution!: () => void;

  constructor(
    readonly flow: AnyFlow,
    readonly host: Host,
    readonly runId: string,
    readonly create: CreateRun | undefined,
  ) {
    this.#firstExecution = new Promise((resolve) => {
      this.#resolveFirstExecution = resolve;
    });
  }

  /** Runs (or resumes) the run until it finishes or, in "suspend" mode, suspends. */
  async run(): Promise<ExecutionReport> {
    this.#running = true;
    try {
      return await this.#run();
    } finally {
      // Requests after this go to the journal: a stopped execution must not act on them.
      this.#running = false;
      this.#current = undefined;
      this.#resolveFirstExecution();
    }
  }

  /** Waits, while the run is starting, until its execution can take requests. */
  async #live(): Promise<Execution | undefined> {
    if (this.#running && this.#current === undefined) await this.#firstExecution;
    return this.#current;
  }

  async #run(): Promise<ExecutionReport> {
    let record: RunRecord | undefined;
    try {
      record = foldJournal(await this.host.journal.read(this.runId));
      if (record.info === undefined) await this.#createRun(record);
    } catch (error) {
      // A run the journal does not hold (an unknown id, or a creation that was not stored)
      // gets no entry: a lone Crashed state would be a run without its run.created.
      return this.#crashed(undefined, error, record === undefined);
    }
    try {
      return await this.#lifecycle(record);
    } catch (error) {
      return this.#crashed(record, error);
    }
  }

  /** Requests cancellation of the run. */
  async cancel(reason = "Cancelled by request"): Promise<void> {
    const exec = await this.#live();
    const at = this.host.clock.now();
    const entries: JournalEntry[] = [
      { type: "run.cancel", at, reason },
      { type: "run.state", at, state: Cancelling(at, { message: reason }) },
    ];
    if (exec !== undefined) {
      // Abort in the same turn as a synchronous append: an `await` in between would let the
      // flow start another step after its run was marked Cancelling.
      const appending = exec.append(entries);
      if (appending !== undefined) await appending;
      exec.abort.abort(new CancelledError(reason));
      return;
    }
    // No execution in this process: record the request; the next execution finishes the run
    // as Cancelled. A finished run cannot be cancelled.
    const record = foldJournal(await this.host.journal.read(this.runId));
    if (record.info === undefined || record.finished !== undefined || record.cancel !== undefined)
      return;
    await this.host.journal.append(this.runId, entries);
  }

  /**
   * A concurrency limit granted lease `leaseId`: hands it to the execution in progress.
   * Answers whether one took it: if none is in progress, or it is suspending, the host wakes
   * the run, whose next execution asks for the slot again and is granted it at once.
   */
  async grantSlot(leaseId: string): Promise<boolean> {
    const exec = await this.#live();
    if (exec === undefined || exec.activity.hasSuspended) return false;
    exec.grants.deliver(leaseId);
    return true;
  }

  /** Sends an event to the run. */
  async sendEvent(name: string, payload: unknown): Promise<void> {
    const exec = await this.#live();
    if (exec !== undefined) return exec.deliverEvent(name, payload);
    await this.host.journal.append(this.runId, [
      {
        type: "event.received",
        at: this.host.clock.now(),
        eventId: randomUUID(),
        name,
        payload: encode(payload),
      },
    ]);
  }

  async #createRun(record: RunRecord): Promise<void> {
    if (this.create === undefined) {
      throw new UsageError(`Cannot resume run '${this.runId}': its journal is empty`);
    }
    const creation = runCreation(this.flow, this.runId, this.create, this.host.clock.now());
    await this.host.journal.append(this.runId, creation.entries);
    if (this.host.logs.rendersEngineLines === true) {
      for (const entry of creation.entries) applyEntry(record, entry);
    } else {
      // No execution yet to keep it: the creation's line ("Created flow run…") is written here.
      const lines = new EngineLines(this.runId, record);
      for (const entry of creation.entries) {
        const line = lines.next(entry);
        if (line !== undefined) this.host.logs.write(line);
      }
    }
    for (const log of creation.logs) this.host.logs.write(log);
  }

  async #lifecycle(record: RunRecord): Promise<ExecutionReport> {
    const options = this.flow.options;
    for (;;) {
      if (record.finished !== undefined && record.state !== undefined) {
        return { status: "finished", state: record.state, finished: record.finished };
      }
      const exec = new Execution(this.flow, this.host, this.runId, record);
      this.#current = exec;
      this.#resolveFirstExecution();
      if (record.cancel !== undefined) {
        return this.#finish(exec, "cancelled", new CancelledError(record.cancel.reason));
      }
      // Scheduled start, or a flow-level retry waiting for its time.
      const waiting = record.state;
      if (
        waiting !== undefined &&
        waiting.type === "SCHEDULED" &&
        waiting.scheduledTime !== undefined &&
        waiting.scheduledTime > exec.now()
      ) {
        const woke = await Promise.race([
          exec.activity.until(waiting.scheduledTime, exec.signal).then(
            () => "woke" as const,
            (error: unknown) => error as Error,
          ),
          exec.activity.suspended.then((wakeAt) => ({ wakeAt })),
        ]);
        if (typeof woke === "object" && "wakeAt" in woke) {
          return woke.wakeAt === undefined
            ? { status: "suspended" }
            : { status: "suspended", wakeAt: woke.wakeAt };
        }
        if (woke instanceof Error) return this.#finish(exec, "cancelled", woke);
      }
      if (waiting?.name === "AwaitingRetry") {
        const at = exec.now();
        await exec.append([
          { type: "run.retry", at, attempt: record.retries + 1 },
          { type: "run.state", at, state: Retrying(at) },
        ]);
      }
      let params: unknown;
      try {
        params = await validateParams(
          this.flow.flowName,
          options.params,
          decode(record.info?.parameters ?? null),
        );
      } catch (error) {
        return this.#finish(exec, "failed", error as Error, "Validation of flow parameters failed");
      }
      const slotWait = await this.#takeRunSlots(exec, record, params);
      if (slotWait !== undefined) return slotWait;
      if (record.state?.type !== "RUNNING") {
        const at = exec.now();
        const state =
          record.retries > 0 && record.state?.name === "AwaitingRetry" ? Retrying(at) : Running(at);
        // The first time, its line says "Beginning flow run" (see engine_lines.ts).
        await exec.append([{ type: "run.state", at, state }]);
      }
      const result = await this.#driveWithTimeout(exec, params, record);
      if (result.kind === "suspended") {
        const at = exec.now();
        // Suspended means waiting for input (an event). Waiting out a sleep, a child run or
        // task retry delays (its task runs show AwaitingRetry), the run stays Running.
        if (exec.activity.suspendedForEvent) {
          await exec.append([
            {
              type: "run.state",
              at,
              state: Suspended(
                at,
                result.wakeAt === undefined ? {} : { scheduledTime: result.wakeAt },
              ),
            },
          ]);
        }
        await exec.flushLogs();
        return result.wakeAt === undefined
          ? { status: "suspended" }
          : { status: "suspended", wakeAt: result.wakeAt };
      }
      if (result.kind === "completed")
        return this.#finish(exec, "completed", undefined, undefined, result.value);
      const error = result.error;
      if (
        error instanceof CancelledError &&
        (record.cancel !== undefined || this.host.signal?.aborted === true)
      ) {
        return this.#finish(exec, "cancelled", error);
      }
      const retries = options.retries ?? 0;
      if (!result.fatal && record.retries < retries) {
        const delay = retryDelayMs(
          options.retryDelay,
          record.retries + 1,
          undefined,
          seededRandom(hashString(`${this.runId}/retry`)),
        );
        const at = exec.now();
        const next = at + delay;
        await exec.append([
          {
            type: "run.state",
            at,
            state: AwaitingRetry(at, { scheduledTime: next, message: error.message }),
          },
        ]);
        exec.engineLogger.error(
          `Flow run failed with exception: ${describeError(error)} - Retry ${record.retries + 1}/${retries} will start ${formatMillis(delay)} from now`,
        );
        await exec.flushLogs();
        continue;
      }
      if (!result.timedOut && !exec.stepErrors.has(error)) {
        // Thrown by the body itself: its stack goes to the logs (API errors carry none).
        exec.engineLogger.error(failureLine(error, "Flow run"));
      }
      return this.#finish(exec, result.timedOut ? "timedOut" : "failed", error);
    }
  }

  /**
   * Takes the run's own slots (see run_slots.ts); answers the report to return when the run
   * cannot go on now: suspended in line, cancelled by CANCEL_NEW or while it waited, or failed
   * when its concurrency key cannot be computed.
   */
  async #takeRunSlots(
    exec: Execution,
    record: RunRecord,
    params: unknown,
  ): Promise<ExecutionReport | undefined> {
    let slots: RunSlot[];
    try {
      slots = runSlotsOf(this.flow, record, params);
    } catch (error) {
      return this.#finish(exec, "failed", error as Error);
    }
    this.#slots = slots;
    if (slots.length === 0) return undefined;
    const taking = takeRunSlots(exec, slots).then(
      (taken) => ({ taken }),
      (error: unknown) => ({ error: error as Error }),
    );
    const raced = await Promise.race([
      taking,
      exec.activity.suspended.then((wakeAt) => ({ wakeAt })),
    ]);
    if ("wakeAt" in raced) {
      await exec.flushLogs();
      return raced.wakeAt === undefined
        ? { status: "suspended" }
        : { status: "suspended", wakeAt: raced.wakeAt };
    }
    if ("error" in raced) {
      // Cancelled while it waited; any other error (the limits unreachable) crashes the run.
      if (exec.signal.aborted) return this.#finish(exec, "cancelled", raced.error);
      throw raced.error;
    }
    if (raced.taken.status === "refused") {
      return this.#finish(exec, "cancelled", new CancelledError(raced.taken.reason));
    }
    return undefined;
  }

  async #driveWithTimeout(
    exec: Execution,
    params: unknown,
    record: RunRecord,
  ): Promise<DriveResult> {
    const timeout = this.flow.options.timeout;
    if (timeout === undefined) return drive(exec, params);
    const timeoutMs = toMillis(timeout, "flow timeout");
    const deadline = (record.attemptStartedAt ?? exec.now()) + timeoutMs;
    const stopTimer = new AbortController();
    exec.activity.until(deadline, AbortSignal.any([stopTimer.signal, exec.signal])).then(
      () =>
        exec.abort.abort(
          new TimeoutError(
            `Flow run '${record.info?.name}' exceeded its timeout of ${formatMillis(timeoutMs)}`,
          ),
        ),
      () => {},
    );
    try {
      return await drive(exec, params);
    } finally {
      stopTimer.abort();
    }
  }

  async #finish(
    exec: Execution,
    outcome: "completed" | "failed" | "timedOut" | "cancelled",
    error: Error | undefined,
    message?: string,
    value?: unknown,
  ): Promise<ExecutionReport> {
    const record = exec.record;
    const at = exec.now();
    let finished: Extract<JournalEntry, { type: "run.finished" }>;
    let state: State;
    if (outcome === "completed") {
      try {
        const persist = this.flow.options.persistResult ? `${this.runId}/result` : undefined;
        const stored = await exec.storeValue(value, persist);
        finished = { type: "run.finished", at, ...stored };
        state = Completed(at);
      } catch (storeError) {
        const wrapped = new TypeError(
          `Flow run returned a result that cannot be stored: ${(storeError as Error).message}`,
          { cause: storeError },
        );
        finished = { type: "run.finished", at, error: serializeError(wrapped) };
        state = Failed(at, { message: wrapped.message });
        error = wrapped;
      }
    } else {
      const err = error ?? new Error("Flow run failed");
      finished = { type: "run.finished", at, error: serializeError(err) };
      const text = message === undefined ? err.message : `${message}: ${err.message}`;
      state =
        outcome === "cancelled"
          ? Cancelled(at, { message: text })
          : outcome === "timedOut"
            ? TimedOut(at, { message: text })
            : Failed(at, { message: text });
    }
    // Steps that were started and never ended are cancelled with the run.
    const closing: JournalEntry[] = [];
    if (outcome === "cancelled") {
      for (const step of record.steps.values()) {
        if (step.outcome === undefined && step.endedAt === undefined) {
          closing.push({
            type: "step.failed",
            at,
            stepId: step.stepId,
            state: Cancelled(at),
            error: serializeError(new CancelledError(record.cancel?.reason ?? "Cancelled")),
            attempt: step.attempt,
          });
        }
      }
    }
    await exec.append([...closing, finished, { type: "run.state", at, state }]);
    // The run's own slots go to the next in line as soon as it has finished.
    if (this.#slots.length > 0) await releaseRunSlots(exec, this.#slots);
    // The lines of those entries ("Finished in state…") reach the sink before any hook's.
    await exec.flushLogs();
    await callHooks(this.flow, this.host, record, state, error);
    await exec.flushLogs();
    return { status: "finished", state, finished };
  }

  async #crashed(
    record: RunRecord | undefined,
    error: unknown,
    journal = true,
  ): Promise<ExecutionReport> {
    const at = this.host.clock.now();
    const err = error instanceof Error ? error : new Error(String(error));
    const state = Crashed(at, { message: `${err.name}: ${err.message}` });
    try {
      if (journal) await this.host.journal.append(this.runId, [{ type: "run.state", at, state }]);
    } catch {
      // The journal itself failed; the run stays resumable from what it holds.
    }
    this.host.logs.write({
      runId: this.runId,
      source: "weir.engine",
      level: "ERROR",
      message: `Crashed: ${err.name}: ${err.message}`,
      timestamp: at,
    });
    if (record !== undefined) await callHooks(this.flow, this.host, record, state, err);
    return {
      status: "finished",
      state,
      finished: { type: "run.finished", at, error: serializeError(err) },
    };
  }
}
