/**
 * Creating a run of a flow, as the API does it: the parameters validated against the flow's
 * schema (a 422 naming `parameters.<field>`), the run's id (random, or derived from an
 * idempotency key so the same request twice lands on the same Durable Object), the create
 * call, and the conflict when an idempotency key comes back with other parameters. Used by
 * POST /api/flows/{name}/runs, POST /api/deployments/{id}/runs and `runDeployment`.
 *
 * @module
 */

import { type AnyFlow, ParameterValidationError } from "../../runtime/host.ts";
import type { RunSlot } from "../../runtime/limits/port.ts";
import type { WeirEnv } from "../env.ts";
import { type CreateRunRequest, runObject } from "../rpc.ts";
import type { RunDetail } from "../run_detail.ts";
import { type StartMode, startOptionsOf } from "../start_options.ts";
import { ApiError } from "./errors.ts";
import { runIdFor } from "./run_ids.ts";

/** What a caller asks of a new run (the parsed `CreateRunBody`, times in epoch ms). */
export interface NewRunInput {
  readonly parameters: Record<string, unknown>;
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly scheduledAt?: number;
  readonly idempotencyKey?: string;
}

/** What the server adds to a new run besides the caller's input. */
export interface NewRunExtra {
  readonly deploymentId?: string;
  readonly parentRunId?: string;
  readonly parentStepId?: string;
  /** The run's id when the caller derives it (a child run's id comes from its parent's step). */
  readonly runId?: string;
  /**
   * What an idempotency key is unique within (default the flow's name): the same key in two
   * scopes makes two runs.
   */
  readonly idempotencyScope?: string;
  /** Start mode and wait; default the environment's (`WEIR_START_RUNS`). */
  readonly start?: StartMode;
  readonly startWaitMs?: number;
  /**
   * The run's own concurrency slots (a deployment's limit), from its parameters once they
   * have validated; may throw the 422 that names a parameter.
   */
  readonly slotsFor?: (parameters: Record<string, unknown>) => readonly RunSlot[];
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

/**
 * Validates run parameters against the flow's schema, answering a 422 that names the first
 * field at fault as `parameters.<field>`.
 *
 * @example
 * ```ts
 * await validateRunParameters(flow, { n: "x" }); // throws ApiError 422, field "parameters.n"
 * ```
 */
export async function validateRunParameters(
  flow: AnyFlow,
  parameters: Record<string, unknown>,
): Promise<void> {
  try {
    await flow.validate(parameters);
  } catch (error) {
    if (error instanceof ParameterValidationError) {
      throw new ApiError(
        "invalid_parameters",
        error.message,
        error.field === "" ? "parameters" : `parameters.${error.field}`,
      );
    }
    throw error;
  }
}

/**
 * The create request for a new run, after validating its parameters (see
 * {@link validateRunParameters}), with the run's slots when `extra.slotsFor` gives some.
 * Callers that need `startChild` rather than `create` use it.
 *
 * @example
 * ```ts
 * const request = await prepareFlowRun(env, flow, { parameters: { n: 3 } });
 * await runObject(env, request.runId).create(request);
 * ```
 */
export async function prepareFlowRun(
  env: WeirEnv,
  flow: AnyFlow,
  input: NewRunInput,
  extra: NewRunExtra = {},
): Promise<CreateRunRequest> {
  await validateRunParameters(flow, input.parameters);
  const slots = extra.slotsFor?.(input.parameters) ?? [];
  const runId =
    extra.runId ??
    (input.idempotencyKey === undefined
      ? crypto.randomUUID()
      : await runIdFor(extra.idempotencyScope ?? flow.flowName, input.idempotencyKey));
  const envStart = startOptionsOf(env);
  const startWaitMs = extra.startWaitMs ?? envStart.startWaitMs;
  return {
    runId,
    flowName: flow.flowName,
    // The raw parameters are journaled; the flow re-validates them when it runs.
    params: input.parameters,
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.tags === undefined ? {} : { tags: input.tags }),
    ...(input.scheduledAt === undefined ? {} : { scheduledAt: input.scheduledAt }),
    ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
    ...(extra.deploymentId === undefined ? {} : { deploymentId: extra.deploymentId }),
    ...(extra.parentRunId === undefined ? {} : { parentRunId: extra.parentRunId }),
    ...(extra.parentStepId === undefined ? {} : { parentStepId: extra.parentStepId }),
    start: extra.start ?? envStart.start,
    ...(startWaitMs === undefined ? {} : { startWaitMs }),
    ...(slots.length === 0 ? {} : { slots }),
  };
}

/**
 * Creates a run of `flow` in its own Durable Object. With an idempotency key that was used
 * before, answers the existing run (`created: false`), or a 409 when it was used with other
 * parameters.
 *
 * @example
 * ```ts
 * const { created, run } = await createFlowRun(env, flow, { parameters: { n: 3 } });
 * ```
 * @throws {ApiError} 422 `invalid_parameters` naming `parameters.<field>`; 409 `conflict`.
 */
export async function createFlowRun(
  env: WeirEnv,
  flow: AnyFlow,
  input: NewRunInput,
  extra: NewRunExtra = {},
): Promise<{ created: boolean; run: RunDetail }> {
  const request = await prepareFlowRun(env, flow, input, extra);
  const { created, run } = await runObject(env, request.runId).create(request);
  if (!created && canonicalJson(run.parameters) !== canonicalJson(input.parameters)) {
    throw new ApiError(
      "conflict",
      `idempotencyKey '${input.idempotencyKey}' was already used for run '${run.id}' with other parameters`,
      "idempotencyKey",
    );
  }
  return { created, run };
}
