/**
 * Which run states are final, without importing the runtime's values (the client carries only
 * the protocol's types).
 *
 * @module
 */

const FINAL: ReadonlySet<string> = new Set(["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]);

/**
 * Whether a state type is final (the run will not change again unless retried).
 *
 * @example
 * ```ts
 * isFinalStateType(run.state?.type); // true once Completed, Failed, Cancelled or Crashed
 * ```
 */
export function isFinalStateType(type: string | undefined): boolean {
  return type !== undefined && FINAL.has(type);
}
