/**
 * The OpenAPI side of /api/concurrency-limits: the limit's name in a path, and the response
 * schemas matching protocol/concurrency.ts's wire types (holders, waiters, the limit).
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import { label } from "./limits.ts";

/**
 * A limit's name in a path (URL-encoded: `deployment%3A…` or `deployment:…` both work).
 *
 * @example
 * ```ts
 * createRoute({ method: "get", path: "/api/concurrency-limits/{name}", request: { params: LimitNameParam }, ... });
 * ```
 */
export const LimitNameParam = z.object({
  name: label(200).openapi({ param: { name: "name", in: "path" }, example: "database" }),
});

const LimitHolderSchema = z
  .object({
    leaseId: z.string(),
    runId: z.string(),
    stepId: z.string().nullable(),
    label: z.string(),
    occupy: z.number(),
    scope: z.enum(["step", "run"]),
    acquiredAt: z.number(),
    expiresAt: z.number(),
  })
  .openapi("LimitHolder");

const LimitWaiterSchema = z
  .object({
    leaseId: z.string(),
    runId: z.string(),
    stepId: z.string().nullable(),
    label: z.string(),
    occupy: z.number(),
    position: z.number(),
    enqueuedAt: z.number(),
  })
  .openapi("LimitWaiter");

/**
 * A concurrency limit with its holders and waiters (response).
 *
 * @example
 * ```ts
 * responses: { 200: { description: "The limit", content: { "application/json": { schema: ConcurrencyLimitSchema } } } }
 * ```
 */
export const ConcurrencyLimitSchema = z
  .object({
    name: z.string(),
    limit: z.number(),
    active: z.boolean(),
    slotDecayPerSecond: z.number(),
    slotsHeld: z.number(),
    holders: z.array(LimitHolderSchema),
    waiters: z.array(LimitWaiterSchema),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi("ConcurrencyLimit");

/**
 * A route's response holding a limit.
 *
 * @example
 * ```ts
 * responses: { 200: limitResponse("The limit") }
 * ```
 */
export function limitResponse(description: string) {
  return { description, content: { "application/json": { schema: ConcurrencyLimitSchema } } };
}

/**
 * A limit as a route answers it (readonly arrays are plain JSON arrays).
 *
 * @example
 * ```ts
 * return c.json(limitWire(view), 200);
 * ```
 */
export function limitWire(limit: ConcurrencyLimit): z.infer<typeof ConcurrencyLimitSchema> {
  return limit as unknown as z.infer<typeof ConcurrencyLimitSchema>;
}
