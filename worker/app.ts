/**
 * `createWeirWorker`: what a user's Worker entry file calls with its flows. It returns the
 * Worker's handlers and the Durable Object class to export, the way a Hono app is built from
 * the user's routes.
 *
 * @example
 * ```ts
 * // my-worker.ts — wrangler.toml: main = "my-worker.ts", a FlowRun durable object, D1, R2
 * import { createWeirWorker } from "weir/worker";
 * const weir = createWeirWorker({ flows: [catFact, etl] });
 * export const FlowRun = weir.FlowRun;
 * export default weir.handler;
 * ```
 *
 * @module
 */

import type { AnyFlow } from "../runtime/mod.ts";
import { createApi } from "./api/app.ts";
import type { WeirEnv } from "./env.ts";
import { FlowRunObject } from "./flow_run.ts";
import { FlowRegistry } from "./registry.ts";
import { sweepStaleRuns } from "./sweep.ts";

/** What `createWeirWorker` takes. */
export interface WeirWorkerOptions {
  /** Every flow the Worker can run, subflows included. */
  readonly flows: readonly AnyFlow[];
}

/** What `createWeirWorker` returns. */
export interface WeirWorker {
  /** `export default` this. */
  readonly handler: ExportedHandler<WeirEnv>;
  /** `export const FlowRun = weir.FlowRun` (the class name wrangler.toml binds). */
  readonly FlowRun: new (
    ctx: DurableObjectState,
    env: WeirEnv,
  ) => FlowRunObject;
  readonly registry: FlowRegistry;
}

/**
 * Builds a Weir Worker for a set of flows.
 *
 * @example
 * ```ts
 * const weir = createWeirWorker({ flows: [catFact] });
 * ```
 */
export function createWeirWorker(options: WeirWorkerOptions): WeirWorker {
  const registry = new FlowRegistry(options.flows);
  const api = createApi(registry);
  class FlowRun extends FlowRunObject {
    protected readonly registry = registry;
  }
  return {
    registry,
    FlowRun,
    handler: {
      fetch: (request, env, ctx) => api.fetch(request, env, ctx),
      async scheduled(controller, env, ctx) {
        ctx.waitUntil(sweepStaleRuns(env, controller.scheduledTime));
      },
    },
  };
}
