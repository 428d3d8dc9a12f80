/**
 * The API's wire format in one place: the JSON types of runs, steps, graphs, logs, live
 * messages, flows and errors, the zod schemas the Worker validates with, the limits on what it
 * accepts, and the live feed's subprotocols. The Worker, the UI, the client and the CLI all
 * import from here (a client that wants no zod imports the type-only files or `import type`).
 *
 * @example
 * ```ts
 * import type { RunDetail } from "./protocol/mod.ts";
 * ```
 *
 * @module
 */

export * from "./deployment.ts";
export * from "./error.ts";
export * from "./flow.ts";
export * from "./flow_graph.ts";
export type * from "./graph.ts";
export type * from "./health.ts";
export * from "./limits.ts";
export type * from "./live_message.ts";
export * from "./live_protocol.ts";
export * from "./log.ts";
export * from "./requests.ts";
export * from "./run.ts";
export * from "./run_stats.ts";
export * from "./state.ts";
