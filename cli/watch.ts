/**
 * Following a run until it ends (`weir flow-run watch`, `weir flow run --watch`): over the
 * live feed, printing the run's state and each task run's state as they change, like
 * `prefect deployment run --watch`. If the feed drops before the end it polls instead.
 *
 * @module
 */

import { isFinalStateType } from "../client/client.ts";
import type { RunDetail } from "../protocol/run.ts";
import type { Context } from "./context.ts";
import { EXIT } from "./errors.ts";
import { clock, span, stateText } from "./format.ts";

/**
 * Watches run `id` to its final state; resolves to the exit code (0 Completed, 1 otherwise).
 *
 * @example
 * ```ts
 * process.exitCode = await watchRun(ctx, run.id);
 * ```
 */
export async function watchRun(
  ctx: Context,
  id: string,
  options: { json?: boolean } = {},
): Promise<number> {
  const seen = new Map<string, string>();
  let last: RunDetail | undefined;
  const show = (run: RunDetail | null): boolean => {
    if (run === null) return false;
    last = run;
    const now = Date.now();
    const final = isFinalStateType(run.state?.type);
    // The run's line while it runs; once it has ended, the closing line says so.
    const showRunState = () => {
      const runKey = `run:${run.id}`;
      const runState = run.state?.name ?? "-";
      if (seen.get(runKey) !== runState) {
        seen.set(runKey, runState);
        if (!options.json) {
          ctx.out(`${clock(now)}  Flow run '${run.name}' is ${stateText(run.state, ctx.color)}`);
        }
      }
    };
    if (!final) showRunState();
    for (const step of run.steps) {
      if (step.kind === "group") continue;
      const key = `step:${step.id}`;
      if (seen.get(key) === step.state.name) continue;
      seen.set(key, step.state.name);
      if (!options.json) {
        const took = step.endedAt === null ? "" : ` (${span(step.startedAt, step.endedAt)})`;
        ctx.out(
          `${clock(now)}    ${step.kind} '${step.runName}' is ${stateText(step.state, ctx.color)}${took}`,
        );
      }
    }
    return final;
  };

  let done = false;
  try {
    for await (const message of ctx.client.live(id)) {
      if (message.type === "snapshot" && show(message.run)) {
        done = true;
        break;
      }
    }
  } catch (error) {
    if (last === undefined) throw error; // refused or unreachable before anything was seen
  }
  while (!done) {
    // The feed closed before the end: poll.
    done = show(await ctx.client.getRun(id));
    if (!done) await new Promise((r) => setTimeout(r, 1000));
  }
  const run = last as RunDetail;
  if (options.json) ctx.out(JSON.stringify(run, null, 2));
  else {
    const message = run.state?.message ? `: ${run.state.message}` : "";
    ctx.out(
      `Flow run '${run.name}' (${run.id}) ended ${stateText(run.state, ctx.color)}${message}`,
    );
  }
  return run.state?.type === "COMPLETED" ? EXIT.OK : EXIT.RUN_FAILED;
}
