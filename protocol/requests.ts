/**
 * The bodies, queries and path parameters the API accepts, as zod schemas (the Worker
 * validates with them and documents them in /api/openapi.json) and as types (what a client
 * sends).
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import { boundedJson, boundedJsonObject, INVALID_VALUE, label, timeProblem } from "./limits.ts";
import { StateTypeSchema } from "./state.ts";

/** A time in a body: epoch ms or ISO 8601, between 1970 and 2100 (see limits.ts). */
const timestamp = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .superRefine((value, ctx) => {
    const problem = timeProblem(toEpochMs(value));
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", message: problem, params: INVALID_VALUE });
  });

/**
 * POST /api/flows/{name}/runs body.
 *
 * @example
 * ```ts
 * CreateRunBody.parse({ parameters: { n: 3 }, tags: ["nightly"] });
 * ```
 */
export const CreateRunBody = z
  .object({
    parameters: boundedJsonObject().default({}),
    idempotencyKey: label(200).optional(),
    scheduledAt: timestamp.optional().openapi({ description: "Epoch ms or an ISO 8601 date-time" }),
    name: label(200).optional(),
    tags: z.array(label(100)).max(50).optional(),
  })
  .strict()
  .openapi("CreateRun");

/**
 * What a client sends to create a run (the input of {@link CreateRunBody}).
 *
 * @example
 * ```ts
 * const body: CreateRunInput = { parameters: { n: 3 }, scheduledAt: "2030-01-01T00:00:00Z" };
 * ```
 */
export interface CreateRunInput {
  parameters?: Record<string, unknown>;
  idempotencyKey?: string;
  scheduledAt?: number | string;
  name?: string;
  tags?: string[];
}

/** A time in a query string, where every value is a string: epoch ms digits or ISO 8601. */
const queryTimestamp = z
  .union([
    z.iso.datetime({ offset: true }),
    // Digits only: `z.coerce.number()` would read an empty value as 0 (1970).
    z
      .string()
      .regex(/^\d{1,16}$/, "must be epoch ms digits or an ISO 8601 date-time")
      .transform(Number),
  ])
  .openapi({ description: "Epoch ms or an ISO 8601 date-time" });

/**
 * GET /api/runs query.
 *
 * @example
 * ```ts
 * ListRunsQuery.parse({ flow: "cat-fact", limit: "10" });
 * ```
 */
export const ListRunsQuery = z.object({
  flow: label(200).optional(),
  deployment: label(200).optional(),
  state: StateTypeSchema.optional(),
  tag: label(100).optional(),
  since: queryTimestamp.optional(),
  until: queryTimestamp.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

/**
 * A run id in a path.
 *
 * @example
 * ```ts
 * RunIdParam.parse({ id: "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b" });
 * ```
 */
export const RunIdParam = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    example: "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b",
  }),
});

/**
 * POST /api/runs/{id}/cancel body.
 *
 * @example
 * ```ts
 * CancelBody.parse({ reason: "superseded" });
 * ```
 */
export const CancelBody = z.object({ reason: z.string().max(500).optional() }).strict();

/**
 * POST /api/runs/{id}/events/{name} body.
 *
 * @example
 * ```ts
 * EventBody.parse({ payload: { approved: true } });
 * ```
 */
export const EventBody = z.object({ payload: boundedJson().optional() }).strict();

/**
 * Turns an epoch-ms number or ISO string into epoch ms.
 *
 * @example
 * ```ts
 * toEpochMs("1970-01-01T00:00:01Z"); // 1000
 * ```
 */
export function toEpochMs(value: number | string): number {
  return typeof value === "number" ? value : Date.parse(value);
}
