/**
 * How a run that is due when it is created starts: inside its create call (`inline`, the
 * default: a short run has finished when the call answers, so its index row is written once,
 * final) or by its alarm (`alarm`: each step can be driven by hand, as the Worker tests do).
 * The environment chooses with `WEIR_START_RUNS` and `WEIR_START_WAIT_MS`.
 *
 * @module
 */

/** How long creating a run due now waits for it to finish or suspend before answering. */
export const START_WAIT_MS = 20;

/** How a run that is due when created starts: in the create call, or by its alarm. */
export type StartMode = "inline" | "alarm";

/**
 * The start mode an environment asks for.
 *
 * @example
 * ```ts
 * stub.create({ ...request, start: startModeOf(env) });
 * ```
 */
export function startModeOf(env: { readonly WEIR_START_RUNS?: string }): StartMode {
  return env.WEIR_START_RUNS === "alarm" ? "alarm" : "inline";
}

/**
 * The start options an environment asks for: `WEIR_START_RUNS` and `WEIR_START_WAIT_MS`.
 *
 * @example
 * ```ts
 * stub.create({ ...request, ...startOptionsOf(env) });
 * ```
 */
export function startOptionsOf(env: {
  readonly WEIR_START_RUNS?: string;
  readonly WEIR_START_WAIT_MS?: string;
}): { start: StartMode; startWaitMs?: number } {
  const wait = Number(env.WEIR_START_WAIT_MS);
  return {
    start: startModeOf(env),
    ...(env.WEIR_START_WAIT_MS !== undefined && Number.isFinite(wait) && wait >= 0
      ? { startWaitMs: wait }
      : {}),
  };
}
