/**
 * Subflows on Durable Objects: each child run lives in its own object. The parent asks the
 * child to start (idempotently, by the child's journaled run id) and suspends; when the child
 * finishes, its outbox tells the parent, whose replay then finds the child's outcome.
 *
 * @module
 */

import type { SubflowRunner } from "../runtime/mod.ts";
import type { WeirEnv } from "./env.ts";
import { runObject } from "./rpc.ts";
import type { StartMode } from "./start_options.ts";

/**
 * A {@link SubflowRunner} that runs each child in its own flow-run object. A child due now
 * starts inside the parent's call (`inline`), so a short child has finished when the call
 * answers and the parent goes on without suspending.
 *
 * @example
 * ```ts
 * resolveHost({ mode: "suspend", ... }, durableSubflows(env, { start: "inline", startWaitMs: 20 }));
 * ```
 */
export function durableSubflows(
  env: WeirEnv,
  options: { readonly start: StartMode; readonly startWaitMs: number },
): SubflowRunner {
  return {
    async run(request) {
      const child = runObject(env, request.runId);
      const status = await child.startChild({
        runId: request.runId,
        flowName: request.flow.flowName,
        params: request.params,
        parentRunId: request.parentRunId,
        parentStepId: request.parentStepId,
        start: options.start,
        startWaitMs: options.startWaitMs,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(request.tags === undefined ? {} : { tags: request.tags }),
      });
      return status;
    },
  };
}
