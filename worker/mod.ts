/**
 * `weir/worker`: what a Cloudflare Worker's entry file uses. `createWeirWorker` takes your
 * flows and deployments and returns the Worker's handlers (the API and the scheduler's tick)
 * and the Durable Object classes that hold each run and each concurrency limit; your
 * wrangler.toml binds them (FLOW_RUNS to FlowRun, CONCURRENCY_LIMITS to ConcurrencyLimit).
 *
 * @example
 * ```ts
 * // src/worker.ts — wrangler.toml: main = "src/worker.ts", FlowRun and ConcurrencyLimit durable objects, D1, R2
 * import { createWeirWorker } from "weir/worker";
 * import { catFact, catFactDeployment } from "./cat_fact.ts";
 * const weir = createWeirWorker({ flows: [catFact], deployments: [catFactDeployment] });
 * export const FlowRun = weir.FlowRun;
 * export const ConcurrencyLimit = weir.ConcurrencyLimit;
 * export default weir.handler;
 * ```
 *
 * @module
 */

export { createWeirWorker, type WeirWorker, type WeirWorkerOptions } from "./app.ts";
export type { WeirEnv } from "./env.ts";
export { FlowRegistry } from "./registry.ts";
