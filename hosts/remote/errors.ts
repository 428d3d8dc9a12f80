/**
 * The errors a remote run stops with: {@link LeaseLostError} when the server no longer
 * recognises this process's lease on the run (it expired, or another holder took it over).
 *
 * @module
 */

/**
 * The server refused a write (409 `lease_lost`): this process's lease on the run expired or was
 * taken over by another holder. The execution is aborted with this error as the reason of its
 * `signal`, and nothing more is sent for the run.
 *
 * @example
 * ```ts
 * try {
 *   await runOnServer(myFlow, params);
 * } catch (error) {
 *   if (error instanceof LeaseLostError) console.log(`run ${error.runId} now belongs to another holder`);
 * }
 * ```
 */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";

  constructor(
    /** The run whose lease was lost. */
    readonly runId: string,
    /** The epoch this process held. */
    readonly epoch: number,
    message = `Lost the lease on run '${runId}' (epoch ${epoch}): it expired or another holder took it over`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
