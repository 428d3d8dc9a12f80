/**
 * Flow hooks (Prefect's `on_completion`, `on_failure`, `on_cancellation`, `on_crashed`): called
 * once the final state is journaled. A hook that throws is logged; it changes no state.
 *
 * @module
 */

import type { AnyFlow, FlowHook, HookContext } from "../flow_types.ts";
import type { State } from "../states.ts";
import type { Host } from "./host.ts";
import type { RunRecord } from "./run_record.ts";

/**
 * Calls the flow's hooks for a final state, in order.
 *
 * @example
 * ```ts
 * await callHooks(flow, host, record, Completed(Date.now()), undefined);
 * ```
 */
export async function callHooks(
  flow: AnyFlow,
  host: Host,
  record: RunRecord,
  state: State,
  error: Error | undefined,
): Promise<void> {
  const options = flow.options;
  const hooks =
    state.type === "COMPLETED"
      ? options.onCompletion
      : state.type === "CANCELLED"
        ? options.onCancellation
        : state.type === "CRASHED"
          ? options.onCrashed
          : options.onFailure;
  const run = record.info;
  if (hooks === undefined || run === undefined) return;
  const ctx: HookContext = {
    flowName: flow.flowName,
    run,
    state,
    ...(error === undefined ? {} : { error }),
  };
  for (const hook of (Array.isArray(hooks) ? hooks : [hooks]) as FlowHook[]) {
    try {
      await hook(ctx);
    } catch (hookError) {
      host.logs.write({
        runId: run.id,
        source: "weir.engine",
        level: "ERROR",
        message: `A ${state.name} hook of flow '${flow.flowName}' threw: ${String(hookError)}`,
        timestamp: host.clock.now(),
      });
    }
  }
}
