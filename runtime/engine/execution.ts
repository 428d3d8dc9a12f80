/**
 * The state of one execution of one run: its ports, its journal record, what is in flight, and
 * the helpers every kind of step uses (journaling, logging, storing results).
 *
 * @module
 */

import { decode, type Encoded, encode } from "../codec.ts";
import { deserializeError, serializeError } from "../errors.ts";
import type { AnyFlow } from "../flow_types.ts";
import type { JournalEntry, ResultRef } from "../journal.ts";
import { createLogger, type Logger, type LogRecord, type LogSink } from "../logs.ts";
import { randomUUID, seededRandom } from "../random.ts";
import type { State } from "../states.ts";
import type { StepHandle } from "../step.ts";
import { Activity } from "./activity.ts";
import { engineLine } from "./engine_lines.ts";
import { Grants } from "./grants.ts";
import type { Host } from "./host.ts";
import {
  applyEntry,
  type ReceivedEvent,
  type RunRecord,
  type StepOutcomeRecord,
} from "./run_record.ts";

/** How a step ended, as the flow body sees it. */
export type Outcome =
  | { readonly ok: true; readonly value: unknown; readonly at: number; readonly state: State }
  | {
      readonly ok: false;
      readonly error: Error;
      readonly at: number;
      readonly state: State;
      /** The run must fail at once; the flow body cannot catch this (non-determinism). */
      readonly fatal?: boolean;
    };

interface EventWaiter {
  readonly name: string;
  readonly resolve: (event: ReceivedEvent) => void;
}

/**
 * One execution of a run: created by the executor, shared by the step runners.
 *
 * @example
 * ```ts
 * const execution = new Execution(flow, host, runId, record);
 * await execution.append([{ type: "run.cancel", at: execution.now(), reason: "user" }]);
 * ```
 */
export class Execution {
  readonly activity: Activity;
  readonly abort = new AbortController();
  /** Aborts on cancellation, flow timeout, or the host's signal. */
  readonly signal: AbortSignal;
  readonly inflight = new Map<StepHandle<unknown>, Promise<Outcome>>();
  /** Concurrency slots granted to this execution while it runs (see engine/slots.ts). */
  readonly grants = new Grants();
  /** Errors of failed steps thrown into the body: their step's lines logged them already. */
  readonly stepErrors = new WeakSet<object>();

  /** Remembers that `error` came from a failed step (see {@link stepErrors}); returns it. */
  noteStepError(error: unknown): unknown {
    if (typeof error === "object" && error !== null) this.stepErrors.add(error);
    return error;
  }
  readonly producedBy = new WeakMap<object, string>();
  readonly random: () => number;
  readonly flowLogger: Logger;
  readonly engineLogger: Logger;
  /** The body is replaying while it has not yet reached this top-level step index. */
  replayUntil = 0;
  topLevelSeq = 0;
  #taskCounters = new Map<string, number>();
  #eventWaiters: EventWaiter[] = [];
  /** Log records wait here until the next journal append (see {@link append}). */
  #pendingLogs: LogRecord[] | undefined;
  /** The sink and clock every logger of this execution shares. */
  readonly #buffer: LogSink = { write: (record) => this.#keep(record) };
  readonly #now = () => this.now();
  /** Whether this execution writes the engine's lines (see `LogSink.rendersEngineLines`). */
  readonly #writesEngineLines: boolean;

  constructor(
    readonly flow: AnyFlow,
    readonly host: Host,
    readonly runId: string,
    readonly record: RunRecord,
  ) {
    this.activity = new Activity(host.mode, host.clock);
    this.signal =
      host.signal === undefined
        ? this.abort.signal
        : AbortSignal.any([this.abort.signal, host.signal]);
    this.random = seededRandom((record.info?.seed ?? 0) + record.retries);
    this.#writesEngineLines = host.logs.rendersEngineLines !== true;
    const runName = record.info?.name ?? runId;
    this.flowLogger = createLogger(
      this.#buffer,
      this.#now,
      { runId, source: `Flow run '${runName}'` },
      () => !this.isReplaying,
    );
    this.engineLogger = createLogger(this.#buffer, this.#now, {
      runId,
      source: `Flow run '${runName}'`,
    });
  }

  /** True while the flow body re-yields steps the journal already holds. */
  get isReplaying(): boolean {
    return this.topLevelSeq < this.replayUntil;
  }

  now(): number {
    return this.host.clock.now();
  }

  /** A logger for one step's records, e.g. "Task run 'fetch-fact-0'". */
  stepLogger(stepId: string, source: string): Logger {
    return createLogger(this.#buffer, this.#now, { runId: this.runId, stepId, source });
  }

  #keep(record: LogRecord): void {
    // The first record gets an array of its own size: pushing onto an empty array makes V8
    // allocate room for 17, and most appends carry one line.
    if (this.#pendingLogs === undefined) this.#pendingLogs = [record];
    else this.#pendingLogs.push(record);
  }

  /** Hands buffered log records to the sink and waits until it has them. */
  async flushLogs(): Promise<void> {
    if (this.#pendingLogs === undefined) return;
    this.#writeLogs(this.#pendingLogs);
    await this.host.logs.flush?.();
  }

  #writeLogs(records: readonly LogRecord[]): void {
    this.#pendingLogs = undefined;
    for (const record of records) this.host.logs.write(record);
  }

  /**
   * Journals entries (logs first), then applies them to the record. When the log sink and the
   * journal answer synchronously (in memory, Durable Object SQLite), this does all its work
   * before returning and returns `undefined`: callers skip the `await`, which would cost a
   * promise and a turn of the microtask queue per append. Otherwise it returns a promise that
   * settles once the entries are stored and applied.
   */
  append(entries: readonly JournalEntry[]): Promise<void> | undefined {
    if (this.#pendingLogs !== undefined) {
      this.#writeLogs(this.#pendingLogs);
      const flushed = this.host.logs.flush?.();
      if (flushed !== undefined) return this.#appendAfter(flushed, entries);
    }
    const stored = this.host.journal.append(this.runId, entries);
    if (stored !== undefined) return this.#applyAfter(stored, entries);
    this.#apply(entries);
    return undefined;
  }

  /**
   * Applies journaled entries to the record, and keeps the engine's line for each (rendered
   * from the entry, see `engineLine`) unless the host renders them from its journal. A line
   * joins the buffer like any other, so it reaches the sink in the order the lines were
   * written, where a host that renders it places it too: right after its entry.
   */
  #apply(entries: readonly JournalEntry[]): void {
    if (!this.#writesEngineLines) {
      for (const entry of entries) applyEntry(this.record, entry);
      return;
    }
    for (const entry of entries) {
      const line = engineLine(this.runId, entry, this.record);
      applyEntry(this.record, entry);
      if (line !== undefined) this.#keep(line);
    }
  }

  async #applyAfter(stored: Promise<void>, entries: readonly JournalEntry[]): Promise<void> {
    this.activity.enter();
    try {
      await stored;
      this.#apply(entries);
    } finally {
      this.activity.leave();
    }
  }

  async #appendAfter(flushed: Promise<void>, entries: readonly JournalEntry[]): Promise<void> {
    this.activity.enter();
    try {
      await flushed;
      await this.host.journal.append(this.runId, entries);
      this.#apply(entries);
    } finally {
      this.activity.leave();
    }
  }

  /** The next default task run name for a task: "fetch-fact-0", "fetch-fact-1"… */
  nextTaskRunName(taskName: string): string {
    const n = this.#taskCounters.get(taskName) ?? 0;
    this.#taskCounters.set(taskName, n + 1);
    return `${taskName}-${n}`;
  }

  /**
   * Encodes a result for the journal; puts it in the result store when asked to or when it is
   * over the host's inline limit.
   */
  async storeValue(
    value: unknown,
    persistKey: string | undefined,
  ): Promise<{ value?: Encoded; ref?: ResultRef }> {
    return this.storeEncoded(encode(value), persistKey);
  }

  /**
   * Like {@link storeValue} for a value already encoded; answers at once (no promise) when
   * the value stays in the journal.
   */
  storeEncoded(
    encoded: Encoded,
    persistKey: string | undefined,
  ): { value: Encoded } | Promise<{ ref: ResultRef }> {
    const limit = this.host.resultInlineLimit;
    const tooBig = limit !== undefined && JSON.stringify(encoded).length > limit;
    if (persistKey === undefined && !tooBig) return { value: encoded };
    return this.#persist(encoded, persistKey ?? `${this.runId}/${randomUUID()}`);
  }

  async #persist(encoded: Encoded, key: string): Promise<{ ref: ResultRef }> {
    this.activity.enter();
    try {
      await this.host.results.put(key, encoded);
    } finally {
      this.activity.leave();
    }
    return { ref: { store: "results", key } };
  }

  /** Reads a journaled result back, from the result store when it holds a reference. */
  async loadValue(stored: { value?: Encoded; ref?: ResultRef }): Promise<unknown> {
    if (stored.ref !== undefined) {
      const encoded = await this.host.results.get(stored.ref.key);
      if (encoded === undefined) {
        throw new Error(`Cannot read result '${stored.ref.key}': the result store has no such key`);
      }
      return decode(encoded);
    }
    return stored.value === undefined ? undefined : decode(stored.value);
  }

  /** Turns a journaled outcome into what the flow body sees. */
  async outcomeOf(stored: StepOutcomeRecord, state: State): Promise<Outcome> {
    if (!stored.ok)
      return { ok: false, error: deserializeError(stored.error), at: stored.at, state };
    const value = await this.loadValue(stored);
    return { ok: true, value, at: stored.at, state };
  }

  /** Remembers which step produced an object result, for the run graph's edges. */
  noteProduced(value: unknown, stepId: string): void {
    if (typeof value === "object" && value !== null) this.producedBy.set(value, stepId);
  }

  /** Consumes the oldest unconsumed event named `name`, if one has arrived. */
  takeEvent(name: string): ReceivedEvent | undefined {
    for (const event of this.record.events) {
      if (event.name === name && !this.record.consumed.has(event.eventId)) {
        this.record.consumed.add(event.eventId);
        return event;
      }
    }
    return undefined;
  }

  /** Waits for the next event named `name` that no other wait takes first. */
  nextEvent(name: string): { promise: Promise<ReceivedEvent>; cancel: () => void } {
    let waiter: EventWaiter | undefined;
    const promise = new Promise<ReceivedEvent>((resolve) => {
      waiter = { name, resolve };
      this.#eventWaiters.push(waiter);
    });
    const cancel = () => {
      this.#eventWaiters = this.#eventWaiters.filter((w) => w !== waiter);
    };
    return { promise, cancel };
  }

  /** An event's payload, decoded. */
  payloadOf(event: ReceivedEvent): unknown {
    return decode(event.payload);
  }

  /** Journals an event sent to the run and hands it to the first step waiting for it. */
  async deliverEvent(name: string, payload: unknown): Promise<void> {
    const entry = {
      type: "event.received",
      at: this.now(),
      eventId: randomUUID(),
      name,
      payload: encode(payload),
    } as const;
    await this.append([entry]);
    const index = this.#eventWaiters.findIndex((w) => w.name === name);
    if (index === -1) return;
    const [waiter] = this.#eventWaiters.splice(index, 1);
    this.record.consumed.add(entry.eventId);
    waiter?.resolve({ eventId: entry.eventId, name, payload: entry.payload, at: entry.at });
  }

  /** A failed outcome for an error thrown by engine code or user code. */
  failure(error: unknown, state: State, fatal = false): Outcome {
    const err = error instanceof Error ? error : deserializeError(serializeError(error));
    return fatal
      ? { ok: false, error: err, at: this.now(), state, fatal }
      : { ok: false, error: err, at: this.now(), state };
  }
}
