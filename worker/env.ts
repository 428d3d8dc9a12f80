/**
 * The bindings a Weir Worker needs, by the names wrangler.toml gives them.
 *
 * @module
 */

export interface WeirEnv {
  /** One Durable Object per flow run. */
  // Untyped on purpose: the environment sits below every module that uses it, so it names no
  // object class; callers reach a run's object through `runObject` (rpc.ts), typed there.
  readonly FLOW_RUNS: DurableObjectNamespace;
  /** One Durable Object per concurrency limit (worker/limits/object.ts), reached by `limitObject`. */
  readonly CONCURRENCY_LIMITS: DurableObjectNamespace;
  /** The run index, the cache, and what is queried across runs. */
  readonly DB: D1Database;
  /** Results over the inline limit. */
  readonly RESULTS: R2Bucket;
  /** When set, every /api route requires `Authorization: Bearer <token>`. */
  readonly WEIR_API_TOKEN?: string;
  /**
   * How a run that is due when created starts: `inline` (the default) starts it inside the
   * create call, which answers once it has finished or after a few milliseconds; `alarm`
   * leaves it to the run's alarm, so each step can be driven by hand (the Worker tests do).
   */
  readonly WEIR_START_RUNS?: string;
  /** How many milliseconds an inline start waits for the run before answering (default 20). */
  readonly WEIR_START_WAIT_MS?: string;
  /** Results whose JSON is larger than this many bytes go to R2 (default 131072). */
  readonly WEIR_RESULT_INLINE_LIMIT?: string;
  /**
   * How long a concurrency slot's lease lives before the limit asks its holder whether it
   * still holds it, in milliseconds (default 60000). Tests set it short.
   */
  readonly WEIR_LEASE_TTL_MS?: string;
}
