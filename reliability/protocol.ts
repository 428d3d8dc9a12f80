/**
 * What the crash test's app (app.ts, in workerd) and the test (Node) agree on. No platform
 * imports, so both sides can import it.
 *
 * @module
 */

/** The flow the crash test runs. */
export const FLOW_NAME = "crash-steps";

/** The var that tells the app where the recording service listens. */
export const RECORDER_VAR = "RELIABILITY_RECORDER_URL";

/** What a step tells the recording service each time it runs. */
export interface StepRecord {
  readonly runId: string;
  readonly step: number;
  readonly attempt: number;
}

/** Step `step` adds `(step + 1) × seed`, so a run's result is `seed × steps × (steps + 1) / 2`. */
export function expectedResult(steps: number, seed: number): number {
  return (seed * steps * (steps + 1)) / 2;
}

/** The log line a step writes once its record is taken. */
export function stepLogLine(step: number, attempt: number): string {
  return `step ${step} attempt ${attempt} recorded`;
}
