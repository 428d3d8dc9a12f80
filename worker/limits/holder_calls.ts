/**
 * How a limit object reaches the runs that hold or wait for its slots: native RPC to each
 * run's object (`slotGranted`, `confirmLease`). An interface so tests can stand in for runs.
 *
 * @module
 */

import type { WeirEnv } from "../env.ts";
import { runObject } from "../rpc.ts";

/**
 * The two questions a limit asks a run.
 *
 * @example
 * ```ts
 * const wanted = await runCalls(env).slotGranted(runId, leaseId);
 * ```
 */
export interface HolderCalls {
  /** Tells the run it has lease `leaseId`; `false`: it no longer wants it. */
  slotGranted(runId: string, leaseId: string): Promise<boolean>;
  /** Whether the run still holds lease `leaseId`. */
  confirmLease(runId: string, leaseId: string): Promise<boolean>;
}

/**
 * The calls as RPCs to run objects.
 *
 * @example
 * ```ts
 * const calls = runCalls(env);
 * ```
 */
export function runCalls(env: WeirEnv): HolderCalls {
  return {
    slotGranted: (runId, leaseId) => runObject(env, runId).slotGranted(leaseId),
    confirmLease: (runId, leaseId) => runObject(env, runId).confirmLease(leaseId),
  };
}
