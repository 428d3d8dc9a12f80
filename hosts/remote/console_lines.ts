/**
 * The engine's state lines on this process's console for a run whose journal is remote. The
 * server renders those lines from the journal (so the run's log sink does not send them); a
 * script still prints them as it does in-process, rendered here from the entries it appends.
 *
 * @module
 */

import { EngineLines, type Journal, type JournalEntry, type LogSink } from "../../runtime/host.ts";

/**
 * Wraps a journal so every entry appended for `runId` prints its engine line to `sink`
 * ("Beginning flow run…", "Finished in state Completed()"); entries read back are folded in
 * without printing, so a resumed run's lines read as they would in-process.
 *
 * @example
 * ```ts
 * const journal = echoEngineLines(new RemoteJournal(api, batcher), runId, new ConsoleLogSink());
 * ```
 */
export function echoEngineLines(journal: Journal, runId: string, sink: LogSink): Journal {
  const lines = new EngineLines(runId);
  const fold = (entries: readonly JournalEntry[]): readonly JournalEntry[] => {
    for (const entry of entries) lines.next(entry);
    return entries;
  };
  return {
    read(id) {
      const read = journal.read(id);
      if (id !== runId) return read;
      return read instanceof Promise ? read.then(fold) : fold(read);
    },
    append(id, entries) {
      const stored = journal.append(id, entries);
      if (id === runId) printLines(lines, entries, sink);
      return stored;
    },
  };
}

/**
 * Prints the engine lines of `entries` (folding them into `lines`).
 *
 * @example
 * ```ts
 * printLines(new EngineLines(runId), creation.entries, new ConsoleLogSink());
 * ```
 */
export function printLines(
  lines: EngineLines,
  entries: readonly JournalEntry[],
  sink: LogSink,
): void {
  for (const entry of entries) {
    const line = lines.next(entry);
    if (line !== undefined) sink.write(line);
  }
}
