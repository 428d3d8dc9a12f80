/**
 * A run on the wire: in full (GET /api/runs/{id}, with its steps) and as the index lists it
 * (GET /api/runs). Built from the runtime's own types, free of Worker types, so the Worker
 * that produces them and the UI, client and CLI that read them share one definition.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { SerializedError } from "../runtime/errors.ts";
import type { ResultRef, StepKind } from "../runtime/journal.ts";
import type { State, StateType } from "../runtime/states.ts";

/**
 * A step of a run, as JSON: a task run, a subflow run, a sleep, an event wait or a group.
 *
 * @example
 * ```ts
 * for (const step of run.steps) console.log(step.name, step.state.name);
 * ```
 */
export interface StepDetail {
  readonly id: string;
  readonly kind: StepKind;
  readonly name: string;
  readonly runName: string;
  readonly state: State;
  readonly stateHistory: readonly State[];
  readonly attempts: number;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly cached: boolean;
  readonly childRunId: string | null;
  readonly parentStepId: string | null;
  readonly inputs: readonly string[];
  readonly tags: readonly string[];
  /** Where a completed step's result is kept: in the journal, or in the results bucket. */
  readonly resultLocation: ResultLocation | null;
  /** Why it failed, without the stack (the run's logs keep it). */
  readonly error: SerializedError | null;
}

/**
 * Where a completed step's result is kept: `inline` in the run's journal, or in the `RESULTS`
 * R2 bucket under `key` (a task with `persistResult`, or a result too large for a row).
 *
 * @example
 * ```ts
 * if (step.resultLocation?.storage === "r2") console.log("persisted at", step.resultLocation.key);
 * ```
 */
export type ResultLocation =
  | { readonly storage: "inline" }
  | { readonly storage: "r2"; readonly bucket: "RESULTS"; readonly key: string };

/**
 * A run, as JSON (GET /api/runs/{id}).
 *
 * @example
 * ```ts
 * const run: RunDetail = await client.getRun(id);
 * ```
 */
export interface RunDetail {
  readonly id: string;
  readonly flowName: string;
  /** The flow's `version` option when the run was created; null when it has none. */
  readonly flowVersion: string | null;
  readonly name: string;
  readonly parentRunId: string | null;
  readonly parentStepId: string | null;
  /** The deployment the run was created from (by the scheduler, its API route or a flow). */
  readonly deploymentId: string | null;
  /** The schedule that created it, when the scheduler did. */
  readonly scheduleId: string | null;
  readonly tags: readonly string[];
  readonly parameters: unknown;
  readonly state: State | null;
  readonly stateHistory: readonly State[];
  readonly retries: number;
  readonly result: unknown;
  readonly resultRef: ResultRef | null;
  /** Why it failed, without the stack (the run's logs keep it). */
  readonly error: SerializedError | null;
  readonly taskRuns: readonly StepDetail[];
  readonly subflowRuns: readonly StepDetail[];
  readonly steps: readonly StepDetail[];
}

/**
 * A run as the index lists it (GET /api/runs).
 *
 * @example
 * ```ts
 * for await (const run of client.listRuns({ flow: "cat-fact" })) console.log(run.id);
 * ```
 */
export interface RunSummary {
  readonly id: string;
  readonly flowName: string;
  readonly name: string;
  readonly deploymentId: string | null;
  readonly parentRunId: string | null;
  readonly state: { readonly type: StateType; readonly name: string };
  readonly tags: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly scheduledAt: number | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

/**
 * A page of GET /api/runs; pass `nextCursor` as `cursor` for the next one.
 *
 * @example
 * ```ts
 * const page: RunPage = await client.listRunsPage({ limit: 10 });
 * ```
 */
export interface RunPage {
  readonly runs: readonly RunSummary[];
  readonly count: number;
  readonly nextCursor: string | null;
}

/**
 * A run in full, as a zod schema (loose: see {@link RunDetail} for its fields).
 *
 * @example
 * ```ts
 * RunSchema.parse(await res.json());
 * ```
 */
export const RunSchema = z.record(z.string(), z.unknown()).openapi("Run", {
  description:
    "id, flowName, flowVersion, name, parentRunId, tags, parameters, state, stateHistory, retries, result or resultRef, error, taskRuns, subflowRuns, steps (each with resultLocation)",
});

/**
 * A run as the index lists it, as a zod schema.
 *
 * @example
 * ```ts
 * RunSummarySchema.parse(page.runs[0]);
 * ```
 */
export const RunSummarySchema = z
  .object({
    id: z.string(),
    flowName: z.string(),
    name: z.string(),
    deploymentId: z.string().nullable(),
    parentRunId: z.string().nullable(),
    state: z.object({ type: z.string(), name: z.string() }),
    tags: z.array(z.string()),
    createdAt: z.number(),
    updatedAt: z.number(),
    scheduledAt: z.number().nullable(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
  })
  .openapi("RunSummary");
