/**
 * Flows of the Worker tests that start deployments (`runDeployment`, `startDeployment`); the
 * tests insert the deployments they name into D1.
 *
 * @module
 */

import { flow, runDeployment, startDeployment, TimeoutError } from "../../runtime/host.ts";

/** What the callers take: the deployment, the parameters to pass, and a timeout. */
interface CallerParams {
  readonly ref: string;
  readonly params?: Record<string, unknown>;
  readonly timeout?: string;
}

/** Runs a deployment and returns its result, tagged with where it came from. */
export const deploymentCaller = flow(
  { name: "deployment-caller" },
  async function* ({ ref, params, timeout }: CallerParams) {
    const result = yield* runDeployment(ref, params, {
      tags: ["from-caller"],
      ...(timeout === undefined ? {} : { timeout }),
    });
    return { result };
  },
);

/** Runs a deployment with a timeout and reports a timeout as its result instead of failing. */
export const patientCaller = flow(
  { name: "patient-caller" },
  async function* ({ ref, params, timeout }: CallerParams) {
    try {
      return yield* runDeployment(ref, params, { timeout: timeout ?? "1m" });
    } catch (error) {
      if (error instanceof TimeoutError) return { timedOut: error.message };
      throw error;
    }
  },
);

/** Starts a deployment without waiting and returns the started run's id. */
export const deploymentStarter = flow(
  { name: "deployment-starter" },
  async function* ({ ref, params }: CallerParams) {
    const { runId } = yield* startDeployment(ref, params);
    return runId;
  },
);

/** The flows above, for the test app's registry. */
export const deploymentCallerFlows = [deploymentCaller, patientCaller, deploymentStarter];
