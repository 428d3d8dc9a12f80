/**
 * Runs a flow body or a single step on a fake clock that jumps to each timer, with a
 * serializing journal, and returns its final state and its journal's view. Shared by the
 * runtime's task tests.
 *
 * @module
 */

import { flow } from "../flow.ts";
import { inspectRun, type RunView, type StepView } from "../inspect.ts";
import { InMemoryJournal } from "../journal.ts";
import { InMemoryLogStore } from "../logs.ts";
import { InMemoryResultStore } from "../results.ts";
import type { RunOptions } from "../run_options.ts";
import type { Command, Step } from "../step.ts";
import { FakeClock } from "./fake_clock.ts";

export const START = Date.UTC(2026, 0, 1);
let runCounter = 0;

export interface Ran<R> {
  /** The final state, with the result or the error. */
  readonly state: Awaited<ReturnType<typeof runBody<R>>>["state"];
  readonly view: RunView;
  readonly taskRuns: readonly StepView[];
  readonly runId: string;
  readonly clock: FakeClock;
  readonly logs: InMemoryLogStore;
  readonly results: InMemoryResultStore;
}

/** Runs `body` as the body of a flow on a fake clock that jumps to each timer. */
export async function runBody<R>(
  body: () => Generator<Command, R, unknown> | AsyncGenerator<Command, R, unknown>,
  options: RunOptions & { flowName?: string; logPrints?: boolean } = {},
) {
  const journal = new InMemoryJournal({ serialize: true });
  const runId = options.runId ?? `task-run-${++runCounter}`;
  const clock =
    (options.clock as FakeClock | undefined) ?? new FakeClock({ start: START, autoAdvance: true });
  const logs = (options.logs as InMemoryLogStore | undefined) ?? new InMemoryLogStore();
  const results = (options.results as InMemoryResultStore | undefined) ?? new InMemoryResultStore();
  const f = flow(
    {
      name: options.flowName ?? "task-flow",
      ...(options.logPrints === undefined ? {} : { logPrints: options.logPrints }),
    },
    async function* () {
      return yield* body();
    },
  );
  const state = await f.run(
    {},
    { ...options, journal, runId, clock, logs, results, console: false, returnState: true },
  );
  const view = await inspectRun(journal, runId);
  return { state, view, taskRuns: view.taskRuns, runId, clock, logs, results };
}

/** Runs a single step as a flow. */
export function runStep<R>(
  makeStep: () => Step<R>,
  options: RunOptions & { logPrints?: boolean } = {},
) {
  return runBody(function* () {
    return yield* makeStep();
  }, options) as Promise<Ran<R>>;
}

/** A promise that never settles: a task that hangs. */
export const never = () => new Promise<never>(() => {});
