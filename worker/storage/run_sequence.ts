/**
 * One sequence for a run object's journal rows and stored log lines. The engine's own log
 * lines are not stored: each is rendered from its journal entry when logs are read, with the
 * entry's sequence number as its cursor (see `run_logs.ts`). Drawing both tables' numbers from
 * one counter, in the order things are written, makes every cursor an integer that orders a
 * task's own lines and the engine's exactly as they were written, and never changes.
 *
 * @module
 */

/**
 * The next sequence numbers of a run object, counted in memory after one read per wake (the
 * object is the only writer). A number taken by a write that is then rolled back is not used
 * again: gaps are harmless, a number used twice would not be.
 *
 * @example
 * ```ts
 * const sequence = new RunSequence(ctx.storage);
 * const journal = new SqlJournal(ctx.storage, onAppend, sequence);
 * const logs = new SqlLogSink(ctx.storage, onWrite, sequence);
 * ```
 */
export class RunSequence {
  #last: number | undefined;

  constructor(readonly storage: DurableObjectStorage) {}

  /** Takes `count` consecutive numbers and returns the first. */
  take(count = 1): number {
    const last =
      this.#last ??
      this.storage.sql
        .exec<{ last: number | null }>(
          `SELECT MAX(seq) AS last FROM (
             SELECT MAX(seq) AS seq FROM journal UNION ALL SELECT MAX(seq) AS seq FROM logs)`,
        )
        .one().last ??
      0;
    this.#last = last + count;
    return last + 1;
  }
}
