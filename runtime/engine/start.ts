/**
 * Starting and resuming runs in this process, and the default subflow runner that runs
 * children here too, with the parent's ports.
 *
 * @module
 */

import { decode } from "../codec.ts";
import { deserializeError, FlowRunError } from "../errors.ts";
import type { AnyFlow, FinalState } from "../flow_types.ts";
import type { RunHandle, RunOptions } from "../run_options.ts";
import { formatState } from "../states.ts";
import { type ExecutionReport, RunLifecycle } from "./executor.ts";
import { type Host, resolveHost, type SubflowRunner } from "./host.ts";
import type { CreateRun } from "./run_creation.ts";

/**
 * Runs each subflow in this process, with its parent's ports and an abort signal tied to the
 * parent step.
 *
 * @example
 * ```ts
 * await parent.run(params, { subflows: inProcessSubflows });
 * ```
 */
export const inProcessSubflows: SubflowRunner = {
  async run(request, host) {
    const childHost: Host = { ...host, signal: request.signal };
    const lifecycle = new RunLifecycle(request.flow, childHost, request.runId, {
      params: request.params,
      parentRunId: request.parentRunId,
      parentStepId: request.parentStepId,
      ...(request.name === undefined ? {} : { name: request.name }),
      ...(request.tags === undefined ? {} : { tags: request.tags }),
    });
    const report = await lifecycle.run();
    if (report.status === "suspended") return report;
    const finished = report.finished;
    return {
      status: "finished",
      state: report.state,
      ...(finished?.value === undefined ? {} : { value: finished.value }),
      ...(finished?.ref === undefined ? {} : { ref: finished.ref }),
      ...(finished?.error === undefined ? {} : { error: finished.error }),
    };
  },
};

/**
 * Starts (with `create`) or resumes (without) a run in this process.
 *
 * @example
 * ```ts
 * const handle = startRun(myFlow, { console: false }, "run-1", { params: { n: 1 } });
 * ```
 */
export function startRun<R>(
  flow: AnyFlow,
  options: RunOptions,
  runId: string,
  create: CreateRun | undefined,
): RunHandle<R> {
  const host = resolveHost(options, inProcessSubflows);
  const lifecycle = new RunLifecycle(flow, host, runId, create);
  const execution: Promise<ExecutionReport> = lifecycle.run();
  const finalState = async (): Promise<FinalState<R>> => {
    const report = await execution;
    if (report.status === "suspended") {
      throw new FlowRunError(
        `Flow run '${runId}' is suspended until ${report.wakeAt === undefined ? "an event arrives" : new Date(report.wakeAt).toISOString()}; resume it to get its final state`,
        runId,
        { type: "PAUSED", name: "Suspended", timestamp: host.clock.now() },
      );
    }
    const finished = report.finished;
    let result: R | undefined;
    let error: Error | undefined;
    if (finished?.error !== undefined) error = deserializeError(finished.error);
    else if (finished?.ref !== undefined) {
      const stored = await host.results.get(finished.ref.key);
      result = stored === undefined ? undefined : (decode(stored) as R);
    } else if (finished?.value !== undefined) result = decode(finished.value) as R;
    return {
      ...report.state,
      ...(result === undefined ? {} : { result }),
      ...(error === undefined ? {} : { error }),
    };
  };
  return {
    runId,
    execution: execution.then(({ finished: _finished, ...result }) => result),
    finalState,
    async result() {
      const state = await finalState();
      if (state.type === "COMPLETED") return state.result as R;
      throw new FlowRunError(
        `Flow run '${runId}' of flow '${flow.flowName}' finished in state ${formatState(state)}`,
        runId,
        {
          type: state.type,
          name: state.name,
          timestamp: state.timestamp,
          ...(state.message === undefined ? {} : { message: state.message }),
        },
        { cause: state.error },
      );
    },
    cancel: (reason) => lifecycle.cancel(reason),
    sendEvent: (name, payload) => lifecycle.sendEvent(name, payload),
  };
}
