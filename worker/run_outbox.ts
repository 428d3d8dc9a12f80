/**
 * What a run's appends owe the rest of the system, and its delivery: the run's row in the D1
 * index after each state change, and a "your child finished" call to the parent run.
 *
 * The index row is derived from the journal, so it is not stored again: the object keeps it
 * folded in memory and remembers in `meta` the newest version D1 confirmed
 * (`indexed_version`). Whenever the object delivers (its create call, the end of an execution,
 * its alarm, half a second into an execution) it writes the row if the journal is ahead of
 * that; after a crash the next wake folds the row from the journal and finds it owed. A
 * parent's wake-up is not derivable from this run alone, so it goes through the outbox table,
 * written in the same transaction as the entry that causes it (see storage/outbox.ts).
 *
 * @module
 */

import type { JournalEntry } from "../runtime/host.ts";
import type { WeirEnv } from "./env.ts";
import { runObject } from "./rpc.ts";
import { foldSummary, type RunSummaryDraft } from "./run_detail.ts";
import { writeRunSummary } from "./storage/index_writer.ts";
import { BACKOFF_MS, Outbox, type OutboxMessage } from "./storage/outbox.ts";
import type { RunMeta } from "./storage/run_meta.ts";
import type { SqlJournal } from "./storage/sql_journal.ts";

/** How far the index may lag behind a run while it executes. */
export const DELIVER_WITHIN_MS = 500;

/**
 * The run object's outbox, fed by its journal's appends.
 *
 * @example
 * ```ts
 * const outbox = new RunOutbox(ctx.storage, env, journal, meta);
 * outbox.noteAppended(runId, entries); // from the journal's onAppend
 * const { retryAt } = await outbox.deliver(Date.now());
 * ```
 */
export class RunOutbox {
  readonly #outbox: Outbox;
  #delivering: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The run's index row as of the last append, kept up to date from appended entries. */
  #summary: RunSummaryDraft | undefined;
  /** The newest version of the row D1 has confirmed (from `meta` after a wake). */
  #indexed: number | undefined;
  /** After a failed index write: when to try again, and how many attempts failed. */
  #indexRetryAt = 0;
  #indexFailures = 0;

  constructor(
    storage: DurableObjectStorage,
    readonly env: WeirEnv,
    readonly journal: SqlJournal,
    readonly meta: RunMeta,
  ) {
    this.#outbox = new Outbox(storage);
  }

  /**
   * Notes what an append owes: an index update on a state change (kept in memory), a
   * parent's wake-up (queued in the outbox table). Returns whether the index row changed.
   */
  noteAppended(runId: string, entries: readonly JournalEntry[]): boolean {
    let changed = false;
    let finished = false;
    for (const entry of entries) {
      if (entry.type === "run.state" || entry.type === "run.created") changed = true;
      else if (entry.type === "run.finished") finished = true;
    }
    // The first state change after a wake reads the journal once; later appends fold in what
    // they add (a summary carries the meta its run.created needs).
    let summary = this.#summary;
    if (summary !== undefined) summary = foldSummary(summary, entries, summary);
    else if (changed) summary = this.#fold(runId);
    this.#summary = summary;
    if (!changed || summary === undefined) return false;
    if (finished && summary.parentRunId !== null) {
      this.#outbox.enqueue({
        kind: "notify-parent",
        parentRunId: summary.parentRunId,
        childRunId: runId,
      });
    }
    return true;
  }

  /**
   * Delivers what is due; resolves to when the earliest kept message is due, if any.
   * Deliveries run one at a time, so two callers never send the same row twice.
   */
  deliver(now: number): Promise<{ retryAt?: number }> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = this.#delivering.then(async () => {
      const indexRetry = await this.#deliverIndex(now);
      const { retryAt } = await this.#outbox.flush(now, (m) => this.#send(m));
      const times = [indexRetry, retryAt].filter((t): t is number => t !== undefined);
      return times.length === 0 ? {} : { retryAt: Math.min(...times) };
    });
    this.#delivering = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Writes the index row if D1 is behind the journal; resolves to a retry time on failure. */
  async #deliverIndex(now: number): Promise<number | undefined> {
    const runId = this.meta.get("run_id");
    if (runId === undefined) return undefined;
    this.#summary ??= this.#fold(runId);
    const summary = this.#summary;
    if (summary === undefined) return undefined;
    this.#indexed ??= Number(this.meta.get("indexed_version") ?? "-1");
    if (summary.version <= this.#indexed) return undefined;
    if (this.#indexRetryAt > now) return this.#indexRetryAt;
    try {
      await writeRunSummary(this.env.DB, summary, this);
    } catch {
      const delay = BACKOFF_MS[Math.min(this.#indexFailures, BACKOFF_MS.length - 1)] ?? 300_000;
      this.#indexFailures += 1;
      this.#indexRetryAt = now + delay;
      return this.#indexRetryAt;
    }
    this.#indexFailures = 0;
    this.#indexRetryAt = 0;
    // Only ever forward: a slower delivery of an older row must not lower it.
    if (summary.version > this.#indexed) {
      this.#indexed = summary.version;
      this.meta.set("indexed_version", String(summary.version));
    }
    return undefined;
  }

  /** The run's index row, folded from its whole journal (once per wake). */
  #fold(runId: string): RunSummaryDraft | undefined {
    return foldSummary(undefined, this.journal.read(runId), {
      idempotencyKey: this.meta.get("idempotency_key") ?? null,
      deploymentId: this.meta.get("deployment_id") ?? null,
      scheduleId: this.meta.get("schedule_id") ?? null,
    });
  }

  /**
   * Delivers within {@link DELIVER_WITHIN_MS} unless a delivery comes first: while a run
   * executes, its index row follows its state changes at most this far behind, whatever the
   * number of changes in between (they coalesce into the newest row).
   */
  deliverSoon(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failure stays in the outbox with a retry time; the object's alarm picks it up.
      this.deliver(Date.now()).catch(() => {});
    }, DELIVER_WITHIN_MS);
  }

  /** Drops the summary kept in memory (after a rolled-back transaction appended entries). */
  forget(): void {
    this.#summary = undefined;
  }

  async #send(message: OutboxMessage): Promise<void> {
    if (message.kind === "index") return writeRunSummary(this.env.DB, message.summary, this);
    const parent = runObject(this.env, message.parentRunId);
    await parent.childFinished(message.childRunId);
  }
}
