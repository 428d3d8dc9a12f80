/**
 * A completed task step as one journal row. The usual task step journals two entries, its
 * `step.started` (held in memory by {@link SqlJournal} until its outcome) and its
 * `step.completed`; most of what they say is implied (the kind, the states, the types). When
 * both have the usual shape they are stored as one row whose `entry` is a short JSON array
 * instead of a JSON object:
 *
 * ```
 * [startSeq, stepId, name, runName, attempt, startedAt, completedAt, value]
 * ```
 *
 * The row is numbered as the outcome, and the start keeps its own number (`startSeq`, taken
 * when it was appended), so the two entries read back exactly as appended, with the numbers
 * they would have had as two rows: the cursors of the log lines rendered from them do not
 * change, and rows written before this format read as before. A step of any other shape
 * (tags, inputs, a cached or stored result, a failure, a message in a state) is stored as its
 * two entries, as before.
 *
 * @module
 */

import { type Encoded, type JournalEntry, type State, StateType } from "../../runtime/host.ts";

/** A `step.started` journal entry. */
export type StartedEntry = Extract<JournalEntry, { type: "step.started" }>;
type CompletedEntry = Extract<JournalEntry, { type: "step.completed" }>;

/**
 * Every field of the two entries and of a state, each marked as held by the row or checked to
 * be absent by {@link stepRow}. A field added to `JournalEntry` or `State` fails to compile
 * here until `stepRow` and `expandStep` handle it, so the row never drops one silently.
 */
const FIELDS: {
  readonly started: Record<keyof StartedEntry, "held" | "absent">;
  readonly completed: Record<keyof CompletedEntry, "held" | "absent">;
  readonly state: Record<keyof State, "held" | "absent">;
} = {
  started: {
    type: "held",
    at: "held",
    stepId: "held",
    kind: "held",
    name: "held",
    runName: "held",
    attempt: "held",
    state: "held",
    wakeAt: "absent",
    childRunId: "absent",
    tags: "absent",
    inputs: "absent",
  },
  completed: {
    type: "held",
    at: "held",
    stepId: "held",
    state: "held",
    value: "held",
    ref: "absent",
    cacheKey: "absent",
    eventId: "absent",
    winner: "absent",
  },
  state: {
    type: "held",
    name: "held",
    timestamp: "held",
    message: "absent",
    scheduledTime: "absent",
  },
};
void FIELDS;

/**
 * The one-row form of a task start and its outcome, or `undefined` when either has a field
 * the row does not hold (then both are stored as entries; see `FIELDS`).
 */
export function stepRow(
  startSeq: number,
  start: StartedEntry,
  outcome: JournalEntry,
): string | undefined {
  if (
    outcome.type !== "step.completed" ||
    outcome.stepId !== start.stepId ||
    outcome.value === undefined ||
    outcome.ref !== undefined ||
    outcome.cacheKey !== undefined ||
    outcome.eventId !== undefined ||
    outcome.winner !== undefined ||
    start.kind !== "task" ||
    start.wakeAt !== undefined ||
    start.childRunId !== undefined ||
    start.tags !== undefined ||
    start.inputs !== undefined ||
    !isPlain(start.state, StateType.RUNNING, "Running", start.at) ||
    !isPlain(outcome.state, StateType.COMPLETED, "Completed", outcome.at)
  ) {
    return undefined;
  }
  return JSON.stringify([
    startSeq,
    start.stepId,
    start.name,
    start.runName,
    start.attempt,
    start.at,
    outcome.at,
    outcome.value,
  ]);
}

/** Whether a state is exactly `make(type, name)(at)`, with no message or scheduled time. */
function isPlain(state: State, type: StateType, name: string, at: number): boolean {
  return (
    state.type === type &&
    state.name === name &&
    state.timestamp === at &&
    state.message === undefined &&
    state.scheduledTime === undefined
  );
}

/** The two entries of a one-row task step (a parsed {@link stepRow}), and the start's number. */
export function expandStep(row: readonly unknown[]): {
  readonly startSeq: number;
  readonly started: StartedEntry;
  readonly outcome: CompletedEntry;
} {
  const [startSeq, stepId, name, runName, attempt, startedAt, at, value] = row as [
    number,
    string,
    string,
    string,
    number,
    number,
    number,
    Encoded,
  ];
  return {
    startSeq,
    // Fields in the order the engine builds them, so the entries serialise as appended.
    started: {
      type: "step.started",
      at: startedAt,
      stepId,
      kind: "task",
      name,
      runName,
      attempt,
      state: { type: StateType.RUNNING, name: "Running", timestamp: startedAt },
    },
    outcome: {
      type: "step.completed",
      at,
      stepId,
      state: { type: StateType.COMPLETED, name: "Completed", timestamp: at },
      value,
    },
  };
}
