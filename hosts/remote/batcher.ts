/**
 * Group commit of a remote run's writes: journal entries and log lines appended in the same few
 * milliseconds (`lingerMs`), or up to `MAX_APPEND_ENTRIES` / `MAX_APPEND_LOGS`, go to the server
 * in one `POST /api/runs/{id}/journal` carrying the lease's epoch. One request is in flight at
 * a time, so the server stores batches in the order they were made and its journal is always a
 * prefix of what the executor appended; what arrives while a request is in flight goes in the
 * next one.
 *
 * A batch that cannot be sent because the server is unreachable or failing (5xx) is tried again
 * with backoff; before a retry the journal's length is checked, so a batch the server stored
 * but whose answer was lost is not stored twice. A 409 `lease_lost`, or a batch that still
 * fails, stops the run (see `LeaseKeeper.fail`) and every later write is refused unsent.
 *
 * @module
 */

import { MAX_APPEND_ENTRIES, MAX_APPEND_LOGS } from "../../protocol/remote_run.ts";
import type { JournalEntry, LogRecord } from "../../runtime/host.ts";
import type { RemoteApi } from "./api.ts";
import { LeaseLostError } from "./errors.ts";
import type { LeaseKeeper } from "./lease.ts";

/**
 * Options of {@link AppendBatcher}.
 *
 * @example
 * ```ts
 * const options: BatcherOptions = { lingerMs: 5, retries: 5 };
 * ```
 */
export interface BatcherOptions {
  /** How long the first write of a batch waits for others to join it (ms). Default 5. */
  readonly lingerMs?: number;
  /** Entries per request at most. Default (and ceiling) `MAX_APPEND_ENTRIES`. */
  readonly maxEntries?: number;
  /** Tries of a batch the server did not answer, or answered with a 5xx. Default 5. */
  readonly retries?: number;
  /** The journal's length when the batcher starts (for the check before a retry). */
  readonly length?: number;
}

/**
 * Counters of what was sent, for tests and benchmarks.
 *
 * @example
 * ```ts
 * console.log(`${batcher.stats.requests} requests for ${batcher.stats.entries} entries`);
 * ```
 */
export interface BatcherStats {
  requests: number;
  entries: number;
  logs: number;
  retries: number;
}

interface Batch {
  entries: JournalEntry[];
  logs: LogRecord[];
  waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

/**
 * Buffers one run's appends and log lines and sends them in batches under its lease.
 *
 * @example
 * ```ts
 * const batcher = new AppendBatcher(api, runId, keeper, { lingerMs: 5 });
 * batcher.write(logRecord);
 * await batcher.append(entries); // resolves once stored
 * await batcher.flush();
 * ```
 */
export class AppendBatcher {
  readonly stats: BatcherStats = { requests: 0, entries: 0, logs: 0, retries: 0 };
  readonly #lingerMs: number;
  readonly #maxEntries: number;
  readonly #retries: number;
  #open: Batch | undefined;
  readonly #ready: Batch[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending: Promise<void> | undefined;
  #length: number | undefined;
  #urgentQueued = false;
  /** Resolvers of `flush()` calls waiting for everything to be sent. */
  #idle: (() => void)[] = [];

  constructor(
    readonly api: RemoteApi,
    readonly runId: string,
    readonly keeper: LeaseKeeper,
    options: BatcherOptions = {},
  ) {
    this.#lingerMs = options.lingerMs ?? 5;
    this.#maxEntries = Math.min(options.maxEntries ?? MAX_APPEND_ENTRIES, MAX_APPEND_ENTRIES);
    this.#retries = options.retries ?? 5;
    this.#length = options.length;
  }

  /**
   * Queues entries; the promise resolves once the batch holding them is stored (or rejects
   * with the error that stopped the run). Throws at once, sending nothing, once the run has
   * stopped. More than `maxEntries` entries are split over several batches. `urgent` (the
   * caller waits for the entries) sends them at the end of this turn instead of after
   * `lingerMs`, with whatever else this turn wrote.
   */
  append(entries: readonly JournalEntry[], urgent = false): Promise<void> {
    this.#refuseIfStopped();
    let rest = entries;
    let last: Batch | undefined;
    do {
      const batch = this.#batchWithRoom(rest.length, 0);
      const room = this.#maxEntries - batch.entries.length;
      batch.entries.push(...rest.slice(0, room));
      rest = rest.slice(room);
      last = batch;
      if (batch.entries.length >= this.#maxEntries) this.#close();
    } while (rest.length > 0);
    const stored = new Promise<void>((resolve, reject) => {
      last?.waiters.push({ resolve, reject });
    });
    if (urgent) this.#urgent();
    else this.#kick();
    return stored;
  }

  /** Queues a log line; dropped once the run has stopped. */
  write(record: LogRecord): void {
    if (this.keeper.stopped !== undefined) return;
    const batch = this.#batchWithRoom(0, 1);
    batch.logs.push(record);
    if (batch.logs.length >= MAX_APPEND_LOGS) this.#close();
    this.#kick();
  }

  /** Sends everything queued now and resolves once it is stored (rejects if the run stopped). */
  async flush(): Promise<void> {
    this.#close();
    if (this.#sending === undefined) this.#pump();
    if (this.#sending !== undefined) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
    const stopped = this.keeper.stopped;
    if (stopped !== undefined) throw stopped;
  }

  /** Whether nothing is queued or in flight. */
  get idle(): boolean {
    return this.#open === undefined && this.#ready.length === 0 && this.#sending === undefined;
  }

  #refuseIfStopped(): void {
    const stopped = this.keeper.stopped;
    if (stopped !== undefined) throw stopped;
  }

  #batchWithRoom(entries: number, logs: number): Batch {
    const open = this.#open;
    if (
      open !== undefined &&
      (entries === 0 || open.entries.length < this.#maxEntries) &&
      open.logs.length + logs <= MAX_APPEND_LOGS
    ) {
      return open;
    }
    this.#close();
    const batch: Batch = { entries: [], logs: [], waiters: [] };
    this.#open = batch;
    return batch;
  }

  /** Ends the open batch: it is sent once the ones before it are stored. */
  #close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#open === undefined) return;
    this.#ready.push(this.#open);
    this.#open = undefined;
  }

  /** After a write: send full batches now; the open one once `lingerMs` has passed. */
  #kick(): void {
    if (this.#ready.length > 0 && this.#sending === undefined) this.#pump();
    if (this.#open !== undefined && this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#close();
        if (this.#sending === undefined) this.#pump();
      }, this.#lingerMs);
    }
  }

  /** Closes the open batch at the end of this turn, so writes of the same turn join it. */
  #urgent(): void {
    if (this.#urgentQueued) return;
    this.#urgentQueued = true;
    queueMicrotask(() => {
      this.#urgentQueued = false;
      this.#close();
      if (this.#sending === undefined) this.#pump();
    });
  }

  #pump(): void {
    if (this.#sending !== undefined) return;
    const batch = this.#ready.shift();
    if (batch === undefined) {
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#sending = this.#send(batch).finally(() => {
      this.#sending = undefined;
      this.#pump();
    });
  }

  async #send(batch: Batch): Promise<void> {
    const stopped = this.keeper.stopped;
    if (stopped !== undefined) return this.#rejectAll(batch, stopped);
    for (let attempt = 1; ; attempt++) {
      try {
        this.stats.requests++;
        const state = await this.api.append(this.runId, {
          epoch: this.keeper.epoch,
          entries: batch.entries,
          ...(batch.logs.length === 0 ? {} : { logs: batch.logs }),
        });
        this.#stored(batch, state.length);
        this.keeper.observe(state);
        return;
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        if (!(err instanceof LeaseLostError) && transient(err) && attempt < this.#retries) {
          this.stats.retries++;
          await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
          // The answer may have been lost after the server stored the batch.
          if (await this.#wasStored(batch)) return;
          continue;
        }
        this.keeper.fail(err);
        return this.#rejectAll(batch, err);
      }
    }
  }

  async #wasStored(batch: Batch): Promise<boolean> {
    const before = this.#length;
    if (before === undefined || batch.entries.length === 0) return false;
    try {
      const length = (await this.api.readJournal(this.runId)).length;
      if (length !== before + batch.entries.length) return false;
      this.#stored(batch, length);
      return true;
    } catch {
      return false;
    }
  }

  #stored(batch: Batch, length: number): void {
    this.#length = length;
    this.stats.entries += batch.entries.length;
    this.stats.logs += batch.logs.length;
    for (const waiter of batch.waiters) waiter.resolve();
  }

  /** Refuses this batch and everything queued after it. */
  #rejectAll(batch: Batch, error: Error): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const all = [
      batch,
      ...this.#ready.splice(0),
      ...(this.#open === undefined ? [] : [this.#open]),
    ];
    this.#open = undefined;
    for (const b of all) for (const waiter of b.waiters) waiter.reject(error);
  }
}

/** Whether a failed request may succeed if tried again: no answer, or a 5xx. */
function transient(error: Error): boolean {
  if (error.name === "WeirUnreachableError") return true;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" && status >= 500;
}
