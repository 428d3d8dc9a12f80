/**
 * The body of every error the API answers with: `{ "error": { "code", "message", "field"? } }`.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";

/**
 * The machine-readable error codes the API uses.
 *
 * @example
 * ```ts
 * if (body.error.code === "invalid_parameters") console.log(body.error.field);
 * ```
 */
export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "lease_held"
  | "lease_lost"
  | "payload_too_large"
  | "invalid_parameters"
  | "invalid_value"
  | "internal";

/**
 * An error response's JSON.
 *
 * @example
 * ```ts
 * const body = (await res.json()) as ApiErrorBody;
 * ```
 */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode | (string & {});
    readonly message: string;
    readonly field?: string;
  };
}

/**
 * Every error response, as a zod schema.
 *
 * @example
 * ```ts
 * ErrorSchema.parse({ error: { code: "not_found", message: "No flow named 'x'" } });
 * ```
 */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string().openapi({ example: "No flow named 'cat-fakt'" }),
      field: z.string().optional().openapi({ example: "parameters.url" }),
    }),
  })
  .openapi("Error");
