/**
 * The log sink port over the API: lines travel in the run's append batches (see
 * {@link AppendBatcher}), so a task's lines are stored with, and never after, the entry that
 * ends the task. The server renders the engine's own state lines from the journal when logs
 * are read, so this sink says `rendersEngineLines` and the engine does not send them.
 *
 * @module
 */

import type { LogRecord, LogSink } from "../../runtime/host.ts";
import type { AppendBatcher } from "./batcher.ts";

/**
 * Log lines of a remote run, sent in its append batches.
 *
 * @example
 * ```ts
 * const logs = new RemoteLogSink(batcher);
 * logs.write({ runId, source: "Flow run 'x'", level: "INFO", message: "hi", timestamp: Date.now() });
 * await batcher.flush();
 * ```
 */
export class RemoteLogSink implements LogSink {
  readonly rendersEngineLines = true;
  /** Also gets every line (the console, when the run prints its lines). */
  readonly #echo: LogSink | undefined;

  constructor(
    readonly batcher: AppendBatcher,
    options: { echo?: LogSink | undefined } = {},
  ) {
    this.#echo = options.echo;
  }

  write(record: LogRecord): void {
    // Lines of subflows run in this process stay local, as their journals do.
    if (record.runId === this.batcher.runId) this.batcher.write(record);
    this.#echo?.write(record);
  }

  /**
   * Nothing to wait for: lines and entries share one ordered queue, so every line written
   * before an entry is stored no later than that entry, and the engine (which flushes its
   * lines before journaling a step's end) need not wait for a round trip. Waiting for the
   * lines to be stored is `batcher.flush()`, which `runOnServer` does before it reports.
   */
  flush(): void {}
}
