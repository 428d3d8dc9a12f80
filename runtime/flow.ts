/**
 * `flow()`: turns an async generator function into a flow, Prefect's `@flow`.
 *
 * @module
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import { notAGenerator } from "./engine/drive.ts";
import { startRun } from "./engine/start.ts";
import { UsageError } from "./errors.ts";
import type { FinalState, Flow, FlowBody, FlowOptions, SubflowOptions } from "./flow_types.ts";
import { randomUUID } from "./random.ts";
import type { RunHandle, RunOptions } from "./run_options.ts";
import { paramsJsonSchema, validateParams } from "./schema.ts";
import { Step } from "./step.ts";

/**
 * Defines a flow whose parameters are checked by a Standard Schema (zod, valibot…): the body
 * receives the schema's output, callers pass its input.
 *
 * @example
 * ```ts
 * const report = flow(
 *   { name: "report", params: z.object({ day: z.string(), limit: z.number().default(10) }) },
 *   async function* ({ day, limit }) { return yield* build(day, limit); },
 * );
 * ```
 */
export function flow<S extends StandardSchemaV1, R>(
  options: FlowOptions<StandardSchemaV1.InferOutput<S>> & { readonly params: S },
  body: FlowBody<StandardSchemaV1.InferOutput<S>, R>,
): Flow<StandardSchemaV1.InferInput<S>, R, StandardSchemaV1.InferOutput<S>>;
/**
 * Defines a flow. Inside the body, `yield*` each step; the body's return value is the flow's
 * result.
 *
 * @example
 * ```ts
 * const catFact = flow({ name: "cat-fact" }, async function* (params: { url: string }) {
 *   const json = yield* fetchFact(params.url);
 *   return yield* parseFact(json);
 * });
 * ```
 */
export function flow<P, R>(options: FlowOptions<P>, body: FlowBody<P, R>): Flow<P, R>;
export function flow<P, R>(options: FlowOptions<P>, body: FlowBody<P, R>): Flow<P, R> {
  validateFlowOptions(options);
  if (typeof body !== "function") {
    throw notAGenerator(options.name, `is ${body === undefined ? "missing" : typeof body}`);
  }
  // A native async function can never be a flow body; transpiled ones are caught when run.
  if (body.constructor?.name === "AsyncFunction") {
    throw notAGenerator(options.name, "is an async function");
  }
  const call = (params: P, subflow: SubflowOptions = {}) =>
    new Step<R>({ type: "subflow", flow: definition as never, params, ...subflow });
  const start = (params: P, runOptions: RunOptions = {}): RunHandle<R> => {
    const create = {
      params,
      ...(runOptions.name === undefined ? {} : { name: runOptions.name }),
      ...(runOptions.tags === undefined ? {} : { tags: runOptions.tags }),
      ...(runOptions.scheduledAt === undefined
        ? {}
        : {
            scheduledAt:
              typeof runOptions.scheduledAt === "number"
                ? runOptions.scheduledAt
                : runOptions.scheduledAt.getTime(),
          }),
    };
    return startRun<R>(definition as never, runOptions, runOptions.runId ?? randomUUID(), create);
  };
  const run = async (params: P, runOptions: RunOptions & { returnState?: boolean } = {}) => {
    const handle = start(params, runOptions);
    return runOptions.returnState === true ? handle.finalState() : handle.result();
  };
  const definition = Object.defineProperties(call, {
    run: { value: run },
    start: { value: start },
    resume: {
      value: (runId: string, runOptions: RunOptions): RunHandle<R> =>
        startRun<R>(definition as never, runOptions, runId, undefined),
    },
    validate: { value: (params: unknown) => validateParams(options.name, options.params, params) },
    jsonSchema: { value: () => paramsJsonSchema(options.params, options.paramsJsonSchema) },
    with: {
      value: (overrides: Partial<FlowOptions<P>>) => flow({ ...options, ...overrides }, body),
    },
    flowName: { value: options.name, enumerable: true },
    options: { value: Object.freeze({ ...options }), enumerable: true },
    body: { value: body },
    kind: { value: "flow" },
    name: { value: options.name },
  }) as unknown as Flow<P, R>;
  return definition;
}

/** For the overloads: a flow's final state with a typed result. */
export type { FinalState };

function validateFlowOptions(options: {
  readonly name: string;
  readonly retries?: number;
  readonly concurrency?: { readonly limit: number; readonly strategy?: string };
}): void {
  if (typeof options?.name !== "string" || options.name.trim() === "") {
    throw new UsageError(
      'Cannot define a flow without a name: pass flow({ name: "my-flow" }, body)',
    );
  }
  const retries = options.retries;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) {
    throw new UsageError(
      `Cannot define flow '${options.name}': retries must be a whole number ≥ 0, got ${retries}`,
    );
  }
  const limits = options.concurrency;
  if (limits !== undefined) {
    if (!Number.isInteger(limits.limit) || limits.limit < 0) {
      throw new UsageError(
        `Cannot define flow '${options.name}': concurrency.limit must be a whole number ≥ 0, got ${limits.limit}`,
      );
    }
    const strategy = limits.strategy;
    if (strategy !== undefined && strategy !== "ENQUEUE" && strategy !== "CANCEL_NEW") {
      throw new UsageError(
        `Cannot define flow '${options.name}': concurrency.strategy must be "ENQUEUE" or "CANCEL_NEW", got ${JSON.stringify(strategy)}`,
      );
    }
  }
}
