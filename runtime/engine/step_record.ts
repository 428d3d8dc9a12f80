/**
 * The {@link StepRecord} the journal fold keeps for each step. A run holds one per step for
 * as long as it runs, beside the journal entries themselves, so the record is a view over
 * those entries rather than a copy: names, tags, inputs and times are read from the entry
 * that started the step and the entry that ended it, the outcome is built from the ending
 * entry when first read, and the state history is the first state, the latest state and
 * (only for steps with more than two) the states between, made into an array only when read.
 *
 * @module
 */

import type { Encoded } from "../codec.ts";
import type { SerializedError } from "../errors.ts";
import type { JournalEntry, ResultRef, StepKind } from "../journal.ts";
import type { State } from "../states.ts";

/** How a step ended, as journaled. */
export type StepOutcomeRecord =
  | {
      readonly ok: true;
      readonly at: number;
      readonly value?: Encoded;
      readonly ref?: ResultRef;
      readonly eventId?: string;
      readonly winner?: number;
    }
  | { readonly ok: false; readonly at: number; readonly error: SerializedError };

/** One step (task run, subflow run, wait or group) as the journal tells it. */
export interface StepRecord {
  readonly stepId: string;
  kind: StepKind;
  name: string;
  runName: string;
  /** The latest attempt started. */
  attempt: number;
  /** Failed attempts since the last run retry. */
  failures: number;
  state: State;
  readonly states: State[];
  startedAt: number;
  endedAt?: number;
  outcome?: StepOutcomeRecord;
  /** Epoch ms of a scheduled retry. */
  retryAt?: number;
  wakeAt?: number;
  childRunId?: string;
  cached: boolean;
  tags: readonly string[];
  inputs: readonly string[];
}

type StartedEntry = Extract<JournalEntry, { type: "step.started" }>;
type EndEntry = Extract<JournalEntry, { type: "step.completed" | "step.failed" }>;

const NONE: readonly string[] = Object.freeze([]);
/** `#outcome` holds this while the outcome is still to be built from the ending entry. */
const FROM_END = Symbol("from end");

/**
 * One step as its journal entries tell it; {@link applyEntry} makes and updates it.
 *
 * @example
 * ```ts
 * const step = new FoldedStep(startedEntry);
 * step.end(completedEntry);
 * step.outcome; // { ok: true, at, value, … }
 * ```
 */
export class FoldedStep implements StepRecord {
  /** The latest attempt started. */
  attempt: number;
  /** Failed attempts since the last run retry. */
  failures = 0;
  /** The latest state; {@link enter} changes it so the history follows. */
  state: State;
  cached = false;
  retryAt: number | undefined = undefined;
  wakeAt: number | undefined;
  childRunId: string | undefined;
  readonly #first: StartedEntry;
  /** The entry that ended the latest attempt, while it has not restarted. */
  #end: EndEntry | undefined = undefined;
  #outcome: StepOutcomeRecord | typeof FROM_END | undefined = undefined;
  /** How many states the step entered. */
  #count = 1;
  /** States after the first and before the latest, while `states` was never read. */
  #between: State[] | undefined = undefined;
  /** The whole history, once `states` was read; kept current from then on. */
  #history: State[] | undefined = undefined;

  constructor(entry: StartedEntry) {
    this.#first = entry;
    this.attempt = entry.attempt;
    this.state = entry.state;
    this.wakeAt = entry.wakeAt;
    this.childRunId = entry.childRunId;
  }

  get stepId(): string {
    return this.#first.stepId;
  }
  get kind(): StepKind {
    return this.#first.kind;
  }
  get name(): string {
    return this.#first.name;
  }
  get runName(): string {
    return this.#first.runName;
  }
  get startedAt(): number {
    return this.#first.at;
  }
  get tags(): readonly string[] {
    return this.#first.tags ?? NONE;
  }
  get inputs(): readonly string[] {
    return this.#first.inputs ?? NONE;
  }
  get endedAt(): number | undefined {
    return this.#end?.at;
  }

  /** How the step ended, once it has a final outcome. */
  get outcome(): StepOutcomeRecord | undefined {
    if (this.#outcome !== FROM_END) return this.#outcome;
    const end = this.#end as EndEntry;
    // One object shape for every completed outcome keeps its readers monomorphic.
    const outcome: StepOutcomeRecord =
      end.type === "step.completed"
        ? ({
            ok: true,
            at: end.at,
            value: end.value,
            ref: end.ref,
            eventId: end.eventId,
            winner: end.winner,
          } as StepOutcomeRecord)
        : { ok: false, at: end.at, error: end.error };
    this.#outcome = outcome;
    return outcome;
  }
  set outcome(outcome: StepOutcomeRecord | undefined) {
    this.#outcome = outcome;
  }

  /** Every state the step entered, oldest first. */
  get states(): State[] {
    if (this.#history === undefined) {
      const history = [this.#first.state];
      if (this.#between !== undefined) for (const state of this.#between) history.push(state);
      if (this.#count > 1) history.push(this.state);
      this.#history = history;
      this.#between = undefined;
    }
    return this.#history;
  }

  /** A later attempt started. */
  restart(entry: StartedEntry): void {
    // The ending entry is forgotten (endedAt is cleared); an outcome it gave is kept, built now.
    if (this.#outcome === FROM_END) this.#outcome = this.outcome;
    this.attempt = entry.attempt;
    this.#enter(entry.state);
    this.retryAt = undefined;
    this.#end = undefined;
    if (entry.wakeAt !== undefined) this.wakeAt = entry.wakeAt;
    if (entry.childRunId !== undefined) this.childRunId = entry.childRunId;
  }

  /** The latest attempt ended: completed, failed for good, or failed with a retry at `retryAt`. */
  end(entry: EndEntry): void {
    this.#enter(entry.state);
    this.#end = entry;
    if (entry.type === "step.completed") {
      this.cached = entry.state.name === "Cached";
      this.#outcome = FROM_END;
      return;
    }
    this.failures++;
    if (entry.retryAt !== undefined) this.retryAt = entry.retryAt;
    else this.#outcome = FROM_END;
  }

  #enter(state: State): void {
    if (this.#history !== undefined) this.#history.push(state);
    else if (this.#count > 1) {
      this.#between ??= [];
      this.#between.push(this.state);
    }
    this.#count++;
    this.state = state;
  }
}
