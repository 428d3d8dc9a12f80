/**
 * The {@link StepRecord} the journal fold keeps for each step. A run holds one per step for
 * as long as it runs, so the record is kept small: one object of fixed shape, whose state
 * history is the first state, the latest state and (only for steps with more than two) the
 * states between, made into an array only when someone reads `states`. A step that starts and
 * completes costs no array at all; before, each held a states array that V8 grew to 17 slots
 * on its second push, and two empty arrays for tags and inputs.
 *
 * @module
 */

import type { JournalEntry, StepKind } from "../journal.ts";
import type { State } from "../states.ts";
import type { StepOutcomeRecord, StepRecord } from "./run_record.ts";

type StartedEntry = Extract<JournalEntry, { type: "step.started" }>;

const NONE: readonly string[] = Object.freeze([]);

/**
 * One step as its journal entries tell it.
 *
 * @example
 * ```ts
 * const step = new FoldedStep(startedEntry);
 * step.enter(Completed(at));
 * step.states; // [Running, Completed]
 * ```
 */
export class FoldedStep implements StepRecord {
  readonly stepId: string;
  kind: StepKind;
  name: string;
  runName: string;
  attempt: number;
  failures = 0;
  /** The latest state; change it with {@link enter} so the history follows. */
  state: State;
  startedAt: number;
  endedAt: number | undefined = undefined;
  outcome: StepOutcomeRecord | undefined = undefined;
  retryAt: number | undefined = undefined;
  wakeAt: number | undefined;
  childRunId: string | undefined;
  cached = false;
  tags: readonly string[];
  inputs: readonly string[];
  readonly #first: State;
  /** How many states the step entered. */
  #count = 1;
  /** States after the first and before the latest, while `states` was never read. */
  #between: State[] | undefined = undefined;
  /** The whole history, once `states` was read; kept current from then on. */
  #history: State[] | undefined = undefined;

  constructor(entry: StartedEntry) {
    this.stepId = entry.stepId;
    this.kind = entry.kind;
    this.name = entry.name;
    this.runName = entry.runName;
    this.attempt = entry.attempt;
    this.state = entry.state;
    this.#first = entry.state;
    this.startedAt = entry.at;
    this.wakeAt = entry.wakeAt;
    this.childRunId = entry.childRunId;
    this.tags = entry.tags ?? NONE;
    this.inputs = entry.inputs ?? NONE;
  }

  /** Every state the step entered, oldest first. */
  get states(): State[] {
    if (this.#history === undefined) {
      const history = [this.#first];
      if (this.#between !== undefined) for (const state of this.#between) history.push(state);
      if (this.#count > 1) history.push(this.state);
      this.#history = history;
      this.#between = undefined;
    }
    return this.#history;
  }

  /** Makes `state` the latest state and adds it to the history. */
  enter(state: State): void {
    if (this.#history !== undefined) this.#history.push(state);
    else if (this.#count > 1) {
      this.#between ??= [];
      this.#between.push(this.state);
    }
    this.#count++;
    this.state = state;
  }
}
