/**
 * The journal port: an append-only list of entries per run. Everything the executor knows
 * about a run is in its journal: how it was created, every state it entered, every step it
 * started and how that step ended, and the events sent to it. Replaying a run reads the journal
 * back; a step whose outcome is journaled never runs again.
 *
 * Hosts implement {@link Journal} on their storage (the Worker on Durable Object SQLite); the
 * contract suite in `testing/journal_contract.ts` checks any implementation.
 *
 * @module
 */

import type { Encoded } from "./codec.ts";
import type { SerializedError } from "./errors.ts";
import type { RunSlot } from "./limits/port.ts";
import type { State } from "./states.ts";

/** What kind of step a journal entry is about. */
export const StepKind = {
  TASK: "task",
  SUBFLOW: "subflow",
  SLEEP: "sleep",
  EVENT: "event",
  GROUP: "group",
  /** Taking or giving back concurrency slots (`concurrency()`, `rateLimit()`). */
  SLOT: "slot",
} as const;
/** One of the {@link StepKind} values. */
export type StepKind = (typeof StepKind)[keyof typeof StepKind];

/** Where a result too big or too precious for the journal was put (see `ResultStore`). */
export interface ResultRef {
  readonly store: "results";
  readonly key: string;
}

/** The identity of a run, journaled once when it is created. */
export interface RunInfo {
  readonly id: string;
  readonly flowName: string;
  readonly flowVersion?: string;
  /** The run's name, e.g. "crimson-otter" or what the flow's `runName` template made. */
  readonly name: string;
  readonly parameters: Encoded;
  readonly tags: readonly string[];
  readonly parentRunId?: string;
  readonly parentStepId?: string;
  /** Epoch ms the run should start at; absent means at once. */
  readonly scheduledAt?: number;
  /** Seed for `ctx.random()`, so replay draws the same numbers. */
  readonly seed: number;
  /** Concurrency slots the run takes before it starts (a deployment's limit). */
  readonly slots?: readonly RunSlot[];
}

/** One line of a run's journal. Every entry has `type` and `at` (epoch ms). */
export type JournalEntry =
  | { readonly type: "run.created"; readonly at: number; readonly run: RunInfo }
  | { readonly type: "run.state"; readonly at: number; readonly state: State }
  /** Cancellation was requested; the executor stops the run. */
  | { readonly type: "run.cancel"; readonly at: number; readonly reason: string }
  /** A failed run is run again: failed steps run again, completed steps are kept. */
  | { readonly type: "run.retry"; readonly at: number; readonly attempt: number }
  | {
      readonly type: "run.finished";
      readonly at: number;
      readonly value?: Encoded;
      readonly ref?: ResultRef;
      readonly error?: SerializedError;
    }
  | {
      readonly type: "step.started";
      readonly at: number;
      readonly stepId: string;
      readonly kind: StepKind;
      /** Task or flow name, event name, "sleep", or the group's mode. */
      readonly name: string;
      /** The task run's name, e.g. "fetch-fact-0". */
      readonly runName: string;
      readonly attempt: number;
      readonly state: State;
      /** For sleeps and event waits with a timeout: when the wait ends (epoch ms). */
      readonly wakeAt?: number;
      /** For subflows: the child run's id. */
      readonly childRunId?: string;
      readonly tags?: readonly string[];
      /** Ids of the steps whose results were passed in as arguments, for the run graph. */
      readonly inputs?: readonly string[];
    }
  | {
      readonly type: "step.completed";
      readonly at: number;
      readonly stepId: string;
      readonly state: State;
      readonly value?: Encoded;
      readonly ref?: ResultRef;
      readonly cacheKey?: string;
      /** For event waits: the id of the event consumed. */
      readonly eventId?: string;
      /** For races: the index of the winner. */
      readonly winner?: number;
    }
  | {
      readonly type: "step.failed";
      readonly at: number;
      readonly stepId: string;
      readonly state: State;
      readonly error: SerializedError;
      readonly attempt: number;
      /** Present when the step will run again at this time (epoch ms). */
      readonly retryAt?: number;
    }
  | {
      readonly type: "event.received";
      readonly at: number;
      readonly eventId: string;
      readonly name: string;
      readonly payload: Encoded;
    };

/** The `type` of a {@link JournalEntry}. */
export type JournalEntryType = JournalEntry["type"];

/**
 * Storage for run journals. `append` must be atomic (all entries of one call are stored or
 * none) and durable when it resolves; `read` returns the entries in append order.
 *
 * @example
 * ```ts
 * const journal: Journal = new InMemoryJournal();
 * await journal.append("run-1", [{ type: "run.cancel", at: Date.now(), reason: "user" }]);
 * (await journal.read("run-1")).length; // 1
 * ```
 */
export interface Journal {
  read(runId: string): Promise<readonly JournalEntry[]> | readonly JournalEntry[];
  append(runId: string, entries: readonly JournalEntry[]): Promise<void> | void;
}

/**
 * A journal held in memory. With `{ serialize: true }` it stores entries as JSON text, so it
 * behaves exactly like a durable journal (values come back as decoded copies, never as the
 * objects appended).
 *
 * @example
 * ```ts
 * const journal = new InMemoryJournal({ serialize: true });
 * ```
 */
export class InMemoryJournal implements Journal {
  readonly #runs = new Map<string, JournalEntry[] | string[]>();
  readonly #serialize: boolean;

  constructor(options: { serialize?: boolean } = {}) {
    this.#serialize = options.serialize ?? false;
  }

  read(runId: string): readonly JournalEntry[] {
    const stored = this.#runs.get(runId);
    if (stored === undefined) return [];
    if (!this.#serialize) return (stored as JournalEntry[]).slice();
    return (stored as string[]).map((line) => JSON.parse(line) as JournalEntry);
  }

  append(runId: string, entries: readonly JournalEntry[]): void {
    let stored = this.#runs.get(runId);
    if (stored === undefined) {
      stored = [];
      this.#runs.set(runId, stored);
    }
    if (this.#serialize) {
      const lines = entries.map((entry) => JSON.stringify(entry));
      (stored as string[]).push(...lines);
    } else {
      (stored as JournalEntry[]).push(...entries);
    }
  }

  /** The ids of every run with at least one entry, in creation order. */
  runIds(): string[] {
    return [...this.#runs.keys()];
  }
}
