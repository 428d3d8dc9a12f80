/**
 * What a run's appends owe the rest of the system, and its delivery: the run's row in the D1
 * index after each state change, and a "your child finished" call to the parent run. Messages
 * are written to the object's outbox in the same transaction as the entries that cause them,
 * and delivered later from the alarm (see storage/outbox.ts).
 *
 * @module
 */

import type { JournalEntry } from "../runtime/mod.ts";
import type { WeirEnv } from "./env.ts";
import { runObject } from "./rpc.ts";
import { foldSummary, type RunSummaryDraft } from "./run_detail.ts";
import { writeRunSummary } from "./storage/index_writer.ts";
import { Outbox, type OutboxMessage } from "./storage/outbox.ts";
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

  constructor(
    storage: DurableObjectStorage,
    readonly env: WeirEnv,
    readonly journal: SqlJournal,
    readonly meta: RunMeta,
  ) {
    this.#outbox = new Outbox(storage);
  }

  /**
   * Queues what an append owes: an index update on a state change, a parent's wake-up.
   * Returns whether it queued an index update.
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
    else if (changed) {
      summary = foldSummary(undefined, this.journal.read(runId), {
        idempotencyKey: this.meta.get("idempotency_key") ?? null,
        deploymentId: this.meta.get("deployment_id") ?? null,
      });
    }
    this.#summary = summary;
    if (!changed || summary === undefined) return false;
    this.#outbox.enqueue({ kind: "index", summary });
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
    const run = this.#delivering.then(() => this.#outbox.flush(now, (m) => this.#send(m)));
    this.#delivering = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
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
    if (message.kind === "index") return writeRunSummary(this.env.DB, message.summary);
    const parent = runObject(this.env, message.parentRunId);
    await parent.childFinished(message.childRunId);
  }
}
