/**
 * A flow the Worker can run, as GET /api/flows and GET /api/flows/{name} describe it.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";

/**
 * A JSON Schema, as loose as the API gives it (flows may use any schema library).
 *
 * @example
 * ```ts
 * const schema: JsonSchema = { type: "object", properties: { url: { type: "string" } } };
 * ```
 */
export type JsonSchema = { readonly [key: string]: unknown };

/**
 * GET /api/flows/{name}.
 *
 * @example
 * ```ts
 * const flow: Flow = await client.getFlow("cat-fact");
 * ```
 */
export interface Flow {
  readonly name: string;
  readonly description: string | null;
  readonly version: string | null;
  readonly tags: readonly string[];
  readonly retries: number;
  readonly parametersSchema: JsonSchema | null;
}

/**
 * GET /api/flows.
 *
 * @example
 * ```ts
 * const { flows }: FlowList = await res.json();
 * ```
 */
export interface FlowList {
  readonly flows: readonly Flow[];
}

/**
 * A flow, as a zod schema.
 *
 * @example
 * ```ts
 * FlowSchema.parse(await res.json());
 * ```
 */
export const FlowSchema = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    version: z.string().nullable(),
    tags: z.array(z.string()),
    retries: z.number(),
    parametersSchema: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("Flow");
