/**
 * A run's journal folded into what the executor and the API need: the run, its state history,
 * each step's latest state and outcome, and the events not yet consumed. The executor keeps
 * this record current by applying each entry as it appends it, so replay and live execution
 * read the same structure.
 *
 * @module
 */

import type { Encoded } from "../codec.ts";
import type { JournalEntry, RunInfo } from "../journal.ts";
import type { State } from "../states.ts";
import { FoldedStep, type StepRecord } from "./step_record.ts";

export type { StepOutcomeRecord, StepRecord } from "./step_record.ts";

/** An event sent to the run. */
export interface ReceivedEvent {
  readonly eventId: string;
  readonly name: string;
  readonly payload: Encoded;
  readonly at: number;
}

/** A run as its journal tells it. */
export interface RunRecord {
  info?: RunInfo;
  state?: State;
  readonly states: State[];
  /** Flow-level retries so far. */
  retries: number;
  cancel?: { readonly reason: string; readonly at: number };
  finished?: Extract<JournalEntry, { type: "run.finished" }>;
  /** Epoch ms the current attempt started running (for flow timeouts). */
  attemptStartedAt?: number;
  readonly steps: Map<string, StepRecord>;
  readonly events: ReceivedEvent[];
  readonly consumed: Set<string>;
  /** How many entries were folded in. */
  length: number;
}

/**
 * An empty record.
 *
 * @example
 * ```ts
 * const record = emptyRunRecord();
 * ```
 */
export function emptyRunRecord(): RunRecord {
  return { states: [], retries: 0, steps: new Map(), events: [], consumed: new Set(), length: 0 };
}

/**
 * Folds a whole journal into a record.
 *
 * @example
 * ```ts
 * const record = foldJournal(await journal.read(runId));
 * record.state?.name; // "Completed"
 * ```
 */
export function foldJournal(entries: readonly JournalEntry[]): RunRecord {
  const record = emptyRunRecord();
  for (const entry of entries) applyEntry(record, entry);
  return record;
}

/**
 * Applies one entry to a record, in journal order. The record comes from
 * {@link emptyRunRecord} or {@link foldJournal}: its steps are made here.
 *
 * @example
 * ```ts
 * applyEntry(record, { type: "run.cancel", at: Date.now(), reason: "user" });
 * ```
 */
export function applyEntry(record: RunRecord, entry: JournalEntry): void {
  record.length++;
  switch (entry.type) {
    case "run.created":
      record.info = entry.run;
      return;
    case "run.state":
      record.state = entry.state;
      record.states.push(entry.state);
      if (entry.state.type === "RUNNING" && record.attemptStartedAt === undefined) {
        record.attemptStartedAt = entry.at;
      }
      return;
    case "run.cancel":
      record.cancel ??= { reason: entry.reason, at: entry.at };
      return;
    case "run.retry":
      record.retries = entry.attempt;
      // Retrying a finished run (a Cancelled one, say) starts it afresh: the cancellation of
      // the attempt before does not carry over, else it would be cancelled again at once. A
      // flow-level retry of an unfinished run keeps a pending cancellation.
      if (record.finished !== undefined) record.cancel = undefined;
      record.finished = undefined;
      record.attemptStartedAt = undefined;
      for (const step of record.steps.values()) {
        if (step.outcome !== undefined && !step.outcome.ok) {
          step.outcome = undefined;
          step.failures = 0;
          step.retryAt = undefined;
          step.childRunId = undefined;
          step.wakeAt = undefined;
        } else if (step.outcome === undefined) {
          step.failures = 0;
        }
      }
      return;
    case "run.finished":
      record.finished = entry;
      return;
    case "step.started": {
      const existing = record.steps.get(entry.stepId);
      if (existing === undefined) record.steps.set(entry.stepId, new FoldedStep(entry));
      else folded(existing).restart(entry);
      return;
    }
    case "step.completed": {
      const step = record.steps.get(entry.stepId);
      if (step === undefined) return;
      folded(step).end(entry);
      if (entry.eventId !== undefined) record.consumed.add(entry.eventId);
      return;
    }
    case "step.failed": {
      const step = record.steps.get(entry.stepId);
      if (step === undefined) return;
      folded(step).end(entry);
      return;
    }
    case "event.received":
      record.events.push({
        eventId: entry.eventId,
        name: entry.name,
        payload: entry.payload,
        at: entry.at,
      });
      return;
  }
}

/** A step of the record, as only this fold makes them. */
function folded(step: StepRecord): FoldedStep {
  if (step instanceof FoldedStep) return step;
  throw new TypeError(
    `Step ${step.stepId} of this record was not made by applyEntry: start records with emptyRunRecord() or foldJournal()`,
  );
}
