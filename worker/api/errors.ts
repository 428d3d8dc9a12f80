/**
 * API errors: always `{ "error": { "code", "message", "field"? } }` with a status that says
 * what went wrong (400 malformed, 401 unauthorized, 404 unknown, 409 conflict, 413 too large,
 * 422 invalid parameters or a value outside the API's limits). Never a stack trace.
 *
 * @module
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Machine-readable error codes. */
export const ErrorCode = {
  BAD_REQUEST: "bad_request",
  UNAUTHORIZED: "unauthorized",
  NOT_FOUND: "not_found",
  CONFLICT: "conflict",
  /** A remote run's lease is held by another process (protocol/remote_run.ts). */
  LEASE_HELD: "lease_held",
  /** A write carried a remote run's lease that is stale or expired. */
  LEASE_LOST: "lease_lost",
  TOO_LARGE: "payload_too_large",
  INVALID_PARAMETERS: "invalid_parameters",
  INVALID_VALUE: "invalid_value",
  INTERNAL: "internal",
} as const;
/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  lease_held: 409,
  lease_lost: 409,
  payload_too_large: 413,
  invalid_parameters: 422,
  invalid_value: 422,
  internal: 500,
};

/**
 * An error the API answers with. Throw it from a handler.
 *
 * @example
 * ```ts
 * throw new ApiError("not_found", `No flow named '${name}'`);
 * ```
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

/**
 * The JSON response for an error.
 *
 * @example
 * ```ts
 * return errorResponse(c, new ApiError("conflict", "Run already finished"));
 * ```
 */
export function errorResponse(c: Context, error: ApiError): Response {
  return c.json(
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.field === undefined ? {} : { field: error.field }),
      },
    },
    error.status,
  );
}

/** Turns a validation issue path into a dotted field name. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
