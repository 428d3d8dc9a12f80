/**
 * The crash test's Weir app (reliability/crash.ts starts it under `wrangler dev`): one flow of
 * N sequential task steps. Every execution of a step POSTs a record (run, step, attempt) to
 * the recording service the test runs, so the test sees each time a step really ran, including
 * executions a crash cut short, and then writes a log line, which the test checks is never lost
 * once the API has returned it. Built with `createWeirWorker` exactly as a user's app is.
 *
 * @module
 */

import { env } from "cloudflare:workers";
import { z } from "zod";
import { flow, type TaskContext, task } from "../runtime/host.ts";
import { createWeirWorker } from "../worker/app.ts";
import { FLOW_NAME, RECORDER_VAR, type StepRecord, stepLogLine } from "./protocol.ts";

/**
 * One step: record the execution (the service holds its answer for a while, which keeps the
 * step in flight long enough for a kill to land inside it), log, return the running sum.
 */
export const recordedStep = task(
  // Retries only absorb a failed request to the local service; the test reports any attempt > 1.
  { name: "recorded-step", retries: 2, retryDelay: 1 },
  async function (
    this: TaskContext,
    input: { step: number; sum: number; seed: number },
  ): Promise<number> {
    // `env` from cloudflare:workers is typed with the default app's bindings; this var is ours
    // (the test passes it with `--var`, as its port is free per test).
    const base: unknown = Reflect.get(env, RECORDER_VAR);
    if (typeof base !== "string") throw new Error(`${RECORDER_VAR} is not set`);
    const record: StepRecord = { runId: this.flowRunId, step: input.step, attempt: this.attempt };
    const response = await fetch(`${base}/record`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(record),
      signal: this.signal,
    });
    if (!response.ok) throw new Error(`The recording service answered ${response.status}`);
    await response.body?.cancel();
    this.logger.info(stepLogLine(input.step, this.attempt));
    return input.sum + (input.step + 1) * input.seed;
  },
);

/** N sequential steps, each fed the previous one's result. */
export const crashSteps = flow(
  {
    name: FLOW_NAME,
    description: "N sequential recorded steps, for the crash test",
    params: z.object({
      steps: z.number().int().min(1).max(500).default(20),
      seed: z.number().int().min(1).max(1_000_000).default(1),
    }),
  },
  async function* ({ steps, seed }) {
    let sum = 0;
    for (let step = 0; step < steps; step++) sum = yield* recordedStep({ step, sum, seed });
    return sum;
  },
);

const weir = createWeirWorker({ flows: [crashSteps] });

export const FlowRun = weir.FlowRun;
export const ConcurrencyLimit = weir.ConcurrencyLimit;
export default weir.handler;
