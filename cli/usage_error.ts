/**
 * The error a command throws for arguments it cannot use (exit code 2).
 *
 * @module
 */

/**
 * A usage error: a bad option value, a missing file, an unknown config key. The CLI prints
 * its message and exits with code 2.
 *
 * @example
 * ```ts
 * throw new UsageError("--param needs KEY=VALUE, got 'n'");
 * ```
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
