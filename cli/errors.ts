/**
 * Turning any error into what the user reads and the exit code: 2 for a usage error or a
 * request the API refused as invalid (400, 404, 422), 3 when the server could not be reached
 * or refused the token (401), 1 otherwise. Each message says what to do next.
 *
 * @module
 */

import { WeirApiError, WeirUnreachableError } from "../client/errors.ts";
import type { Settings } from "./context.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The exit codes of `weir`.
 *
 * @example
 * ```ts
 * process.exitCode = EXIT.RUN_FAILED;
 * ```
 */
export const EXIT = { OK: 0, RUN_FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

/** What to print and the exit code. */
export interface Explained {
  readonly message: string;
  readonly exitCode: number;
}

/**
 * The message and exit code for an error a command threw.
 *
 * @example
 * ```ts
 * const { message, exitCode } = explain(error, settings);
 * ```
 */
export function explain(error: unknown, settings: Settings | undefined): Explained {
  const url = settings?.apiUrl ?? "the API";
  if (error instanceof UsageError) return { message: error.message, exitCode: EXIT.USAGE };
  if (error instanceof WeirUnreachableError) {
    return {
      message: [
        error.message,
        "Start a local server with `npm start` (or `weir server start`), or point the CLI at",
        "yours with `weir config set api-url URL` (or WEIR_API_URL, or --api-url).",
      ].join("\n"),
      exitCode: EXIT.UNREACHABLE,
    };
  }
  if (error instanceof WeirApiError) {
    if (error.status === 401) {
      const had = settings?.token === undefined ? "no token was sent" : "the token was wrong";
      return {
        message: [
          `The Weir API at ${url} refused the request (401: ${error.message}); ${had}.`,
          "Set the server's token with `weir config set token TOKEN` (or WEIR_API_TOKEN, or --token).",
        ].join("\n"),
        exitCode: EXIT.UNREACHABLE,
      };
    }
    if (error.status === 422 || error.status === 400) {
      const where = error.field === undefined ? "" : ` '${error.field}'`;
      return {
        message: `Invalid value${where}: ${error.message}`,
        exitCode: EXIT.USAGE,
      };
    }
    if (error.status === 404) return { message: error.message, exitCode: EXIT.USAGE };
    return {
      message: `The Weir API answered ${error.status} (${error.code}): ${error.message}`,
      exitCode: EXIT.RUN_FAILED,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message, exitCode: EXIT.RUN_FAILED };
}
