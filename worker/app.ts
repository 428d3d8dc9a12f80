/**
 * `createWeirWorker`: what a user's Worker entry file calls with its flows. It returns the
 * Worker's handlers and the Durable Object classes to export, the way a Hono app is built from
 * the user's routes.
 *
 * @example
 * ```ts
 * // my-worker.ts — wrangler.toml: main = "my-worker.ts", FlowRun and ConcurrencyLimit durable objects, D1, R2
 * import { createWeirWorker } from "weir/worker";
 * const weir = createWeirWorker({ flows: [catFact, etl] });
 * export const FlowRun = weir.FlowRun;
 * export const ConcurrencyLimit = weir.ConcurrencyLimit;
 * export default weir.handler;
 * ```
 *
 * @module
 */

import type { AnyFlow, DeploymentDefinition } from "../runtime/host.ts";
import { createApi } from "./api/app.ts";
import { checkCodeDeployments, codeDeploymentApplier } from "./deployments/apply_code.ts";
import type { WeirEnv } from "./env.ts";
import { FlowRunObject } from "./flow_run.ts";
import { ConcurrencyLimitObject } from "./limits/object.ts";
import { FlowRegistry } from "./registry.ts";
import { runSchedulerTick } from "./scheduler/tick.ts";
import { sweepStaleRuns } from "./sweep.ts";

/** What `createWeirWorker` takes. */
export interface WeirWorkerOptions {
  /** Every flow the Worker can run, subflows included. */
  readonly flows: readonly AnyFlow[];
  /**
   * Deployments of those flows, declared in code (`deployment(flow, options)`). Checked here,
   * and applied when a new version of the Worker first runs: created or brought to their
   * declaration, and those no longer declared deleted.
   */
  readonly deployments?: readonly DeploymentDefinition[];
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
  /**
   * `export const ConcurrencyLimit = weir.ConcurrencyLimit` (bound as `CONCURRENCY_LIMITS`):
   * one object per concurrency limit.
   */
  readonly ConcurrencyLimit: new (
    ctx: DurableObjectState,
    env: WeirEnv,
  ) => ConcurrencyLimitObject;
  readonly registry: FlowRegistry;
}

/**
 * Builds a Weir Worker for a set of flows and their deployments.
 *
 * @example
 * ```ts
 * const weir = createWeirWorker({ flows: [catFact], deployments: [deployment(catFact, { name: "hourly", schedules: [{ interval: "1h" }] })] });
 * ```
 * @throws {Error} naming the deployment and the field, for a deployment declared in code
 * whose flow is not in `flows`, whose schedule means nothing, or whose default parameters do
 * not fit the flow.
 */
export function createWeirWorker(options: WeirWorkerOptions): WeirWorker {
  const registry = new FlowRegistry(options.flows);
  const ensureApplied = codeDeploymentApplier(
    checkCodeDeployments(registry, options.deployments ?? []),
  );
  const api = createApi(registry);
  class FlowRun extends FlowRunObject {
    protected readonly registry = registry;
  }
  return {
    registry,
    FlowRun,
    // Limits know no flows: every app exports the same class.
    ConcurrencyLimit: ConcurrencyLimitObject,
    handler: {
      async fetch(request, env, ctx) {
        await ensureApplied(env);
        return api.fetch(request, env, ctx);
      },
      async scheduled(controller, env, ctx) {
        await ensureApplied(env);
        // The scheduler's tick (due schedules, late runs) and the sweep of stale runs.
        ctx.waitUntil(
          Promise.all([
            runSchedulerTick(env, registry, Date.now()),
            sweepStaleRuns(env, controller.scheduledTime),
          ]),
        );
      },
    },
  };
}
