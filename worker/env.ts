/**
 * The bindings a Weir Worker needs, by the names wrangler.toml gives them.
 *
 * @module
 */

import type { FlowRunObject } from "./flow_run.ts";

/** The Worker's environment. */
export interface WeirEnv {
  /** One Durable Object per flow run. */
  readonly FLOW_RUNS: DurableObjectNamespace<FlowRunObject>;
  /** The run index, the cache, and what is queried across runs. */
  readonly DB: D1Database;
  /** Results over the inline limit. */
  readonly RESULTS: R2Bucket;
  /** When set, every /api route requires `Authorization: Bearer <token>`. */
  readonly WEIR_API_TOKEN?: string;
  /** Results whose JSON is larger than this many bytes go to R2 (default 131072). */
  readonly WEIR_RESULT_INLINE_LIMIT?: string;
}
