/**
 * The journal port over the API: `read` is `GET /api/runs/{id}/journal`, `append` goes through
 * the run's {@link AppendBatcher}, so appends made in the same few milliseconds share one
 * `POST /api/runs/{id}/journal` carrying the lease's epoch.
 *
 * ## When an append resolves (`ack`)
 * - `"buffered"` (the default): at once. The entries are sent within `lingerMs` (5 ms) with
 *   whatever else was appended meanwhile, and the host flushes before it reports the run
 *   suspended or finished (`runOnServer` and `resumeOnServer` do), so a run's outcome is never
 *   reported before its journal holds it. A run of sequential small steps then costs about one
 *   request per `lingerMs` instead of two round trips per step.
 * - `"stored"`: once the batch holding the entries is stored. Only appends made while a request
 *   is in flight, or by steps running side by side, share a request.
 *
 * The trade-off is durability, and it is bounded: the server's journal is always a prefix of
 * what the executor appended (batches go one at a time, in order), so a crash can only lose the
 * tail the process had not sent yet — at most `lingerMs` plus one round trip of entries. A step
 * whose completion was lost that way runs again when the run resumes, exactly like a step that
 * was in flight when the process died: at-least-once side effects, exactly-once checkpoints,
 * as the runtime promises for every host. What "stored" adds is only that a step's completion is
 * on the server before the next step starts.
 *
 * Fencing holds in both modes: a buffered append is taken only while the lease is surely held
 * by this process's clock (`LeaseKeeper.fresh`: renewed less than two thirds of its time to
 * live ago); otherwise the append waits for the server's answer, so a process that stalled past
 * its lease learns it lost the run before it starts another step.
 *
 * Measured against the default Worker under `wrangler dev` on one machine (Node 20, lingerMs 5):
 * 200 sequential steps of a synchronous task took 1 append request and ~0.1-0.2 s buffered,
 * against 402 requests and 3.8-6.8 s stored (one round trip through wrangler's proxy, ~17-26 ms,
 * per append); 1,000 such steps took 3 requests (0.3 ms a step); 1,000 steps of a 1 ms task took
 * 222 requests, 2.5 ms a step against 1.2 ms in-process. Hence the default, "buffered".
 *
 * Journals of other runs (subflows run in this process) are kept in memory here: a subflow of a
 * remote run is not yet recorded on the server, and runs again from the start if the parent
 * resumes elsewhere before the child has finished.
 *
 * @module
 */

import { InMemoryJournal, type Journal, type JournalEntry } from "../../runtime/host.ts";
import type { RemoteApi } from "./api.ts";
import type { AppendBatcher } from "./batcher.ts";

/**
 * When an append resolves: `"buffered"` at once (sent within `lingerMs`, flushed before the run
 * is reported), `"stored"` once the server holds it. See the module documentation.
 *
 * @example
 * ```ts
 * const ack: AppendAck = "stored";
 * ```
 */
export type AppendAck = "buffered" | "stored";

/**
 * A run's journal on the server.
 *
 * @example
 * ```ts
 * const journal = new RemoteJournal(api, batcher, { ack: "buffered" });
 * await myFlow.resume(runId, { journal, logs: new RemoteLogSink(batcher), signal: keeper.signal }).execution;
 * await batcher.flush();
 * ```
 */
export class RemoteJournal implements Journal {
  readonly ack: AppendAck;
  readonly #local = new InMemoryJournal({ serialize: true });
  #known: readonly JournalEntry[] | undefined;

  constructor(
    readonly api: RemoteApi,
    readonly batcher: AppendBatcher,
    options: {
      ack?: AppendAck;
      /** The journal as the caller already knows it (saves the first read). */
      entries?: readonly JournalEntry[];
    } = {},
  ) {
    this.ack = options.ack ?? "buffered";
    this.#known = options.entries;
  }

  /** The run this journal writes to. */
  get runId(): string {
    return this.batcher.runId;
  }

  read(runId: string): Promise<readonly JournalEntry[]> | readonly JournalEntry[] {
    if (runId !== this.runId) return this.#local.read(runId);
    const known = this.#known;
    if (known !== undefined) {
      // Only the first read: later ones (the runtime's cancel without an execution) ask again.
      this.#known = undefined;
      return known;
    }
    return this.api.readJournal(runId);
  }

  append(runId: string, entries: readonly JournalEntry[]): Promise<void> | undefined {
    if (runId !== this.runId) {
      this.#local.append(runId, entries);
      return undefined;
    }
    // A lease not surely held (the process stalled) waits for the server's word, as "stored".
    if (this.ack === "stored" || !this.batcher.keeper.fresh) {
      return this.batcher.append(entries, true);
    }
    const stored = this.batcher.append(entries);
    // Its failure stops the run through the lease keeper; flush() reports it.
    stored.catch(() => {});
    return undefined;
  }
}
