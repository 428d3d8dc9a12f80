/**
 * The engine's own log lines ("Task run 'fetch-fact-0' - Finished in state Completed()",
 * "Beginning flow run…"), rendered from the journal entries that record the state changes they
 * announce. This is the only place their text is made: the executor writes them to an
 * in-process sink (so the console shows them), and a durable host that stores the journal
 * renders them from it when logs are read instead of storing a row for each (the Worker does,
 * see `LogSink.rendersEngineLines`). Both show the same text, level and order.
 *
 * A line depends on its entry and on the run as the entries before it left it (a step's run
 * name, the run's name, whether it ran before), never on anything outside the journal.
 *
 * @module
 */

import type { JournalEntry } from "../journal.ts";
import type { LogRecord } from "../logs.ts";
import { formatState, isFinal, type State, StateType } from "../states.ts";
import { applyEntry, emptyRunRecord, type RunRecord } from "./run_record.ts";

/**
 * The engine's line for one journal entry, or `undefined` when the entry announces nothing.
 * `before` is the run as the journal's earlier entries left it (the entry not yet applied).
 *
 * Lines: `run.created` → "Created flow run…"; the first `run.state` of type RUNNING →
 * "Beginning flow run…"; `run.retry` → "Retrying flow run (attempt n)"; the final `run.state`
 * after `run.finished` → the flow run's "Finished in state…"; a task or subflow step's
 * `step.completed`, and its `step.failed` without a retry ahead → its "Finished in state…".
 *
 * @example
 * ```ts
 * const record = emptyRunRecord();
 * for (const entry of entries) {
 *   const line = engineLine("run-1", entry, record);
 *   applyEntry(record, entry);
 *   if (line !== undefined) console.log(formatLogLine(line));
 * }
 * ```
 */
export function engineLine(
  runId: string,
  entry: JournalEntry,
  before: RunRecord,
): LogRecord | undefined {
  switch (entry.type) {
    case "step.completed":
      return stepLine(runId, entry.stepId, entry.state, entry.at, "INFO", before);
    case "step.failed":
      // A failure with a retry ahead is not the step's end; its own line says when it retries.
      return entry.retryAt === undefined
        ? stepLine(runId, entry.stepId, entry.state, entry.at, "ERROR", before)
        : undefined;
    case "run.created":
      return {
        runId,
        source: "weir.engine",
        level: "INFO",
        message: `Created flow run '${entry.run.name}' for flow '${entry.run.flowName}'`,
        timestamp: entry.at,
      };
    case "run.state":
      return runStateLine(runId, entry.state, entry.at, before);
    case "run.retry":
      return flowLine(
        runId,
        before,
        "INFO",
        `Retrying flow run (attempt ${entry.attempt})`,
        entry.at,
      );
    default:
      return undefined;
  }
}

function stepLine(
  runId: string,
  stepId: string,
  state: State,
  at: number,
  level: "INFO" | "ERROR",
  before: RunRecord,
): LogRecord | undefined {
  const step = before.steps.get(stepId);
  // Sleeps, event waits and groups announce nothing of their own.
  if (step === undefined || (step.kind !== "task" && step.kind !== "subflow")) return undefined;
  return {
    runId,
    stepId,
    source: step.kind === "task" ? `Task run '${step.runName}'` : `Subflow run '${step.runName}'`,
    level,
    // The common case without formatState's branches: this runs once per task step.
    message:
      state.name === "Completed" ? COMPLETED_MESSAGE : `Finished in state ${formatState(state)}`,
    timestamp: at,
  };
}

const COMPLETED_MESSAGE = "Finished in state Completed()";

function runStateLine(
  runId: string,
  state: State,
  at: number,
  before: RunRecord,
): LogRecord | undefined {
  if (state.type === StateType.RUNNING) {
    // Only the first time: a run resumed after a suspension or retried does not begin again.
    const ranBefore = before.states.some(
      (s) => s.type === StateType.RUNNING || s.type === StateType.PAUSED,
    );
    if (ranBefore) return undefined;
    const info = before.info;
    return flowLine(
      runId,
      before,
      "INFO",
      `Beginning flow run '${info?.name}' for flow '${info?.flowName}'`,
      at,
    );
  }
  // The final state the executor journals after `run.finished`; a crash recorded without it
  // has a line of its own, written when the crash happened.
  if (isFinal(state) && before.finished !== undefined) {
    return flowLine(
      runId,
      before,
      state.type === StateType.COMPLETED ? "INFO" : "ERROR",
      `Finished in state ${formatState(state)}`,
      at,
    );
  }
  return undefined;
}

function flowLine(
  runId: string,
  before: RunRecord,
  level: "INFO" | "ERROR",
  message: string,
  at: number,
): LogRecord {
  return {
    runId,
    source: `Flow run '${before.info?.name ?? runId}'`,
    level,
    message,
    timestamp: at,
  };
}

/**
 * Folds a journal entry by entry and renders the engine's line for each: what a host that
 * renders these lines at read time runs over the stored journal.
 *
 * @example
 * ```ts
 * const lines = new EngineLines("run-1");
 * for (const entry of await journal.read("run-1")) {
 *   const line = lines.next(entry);
 *   if (line !== undefined) shown.push(line);
 * }
 * ```
 */
export class EngineLines {
  constructor(
    readonly runId: string,
    /** The run as the entries folded so far left it. */
    readonly record: RunRecord = emptyRunRecord(),
  ) {}

  /** The entry's line, if it has one; the entry is then applied to {@link record}. */
  next(entry: JournalEntry): LogRecord | undefined {
    const line = engineLine(this.runId, entry, this.record);
    applyEntry(this.record, entry);
    return line;
  }
}
