/**
 * The state of a run or task run on the wire: the runtime's own `State`, with a zod schema for
 * the API's validation and OpenAPI document.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import { StateType } from "../runtime/states.ts";

export type { State, StateType } from "../runtime/states.ts";

/**
 * The nine state types, from the runtime's own list.
 *
 * @example
 * ```ts
 * StateTypeSchema.parse("COMPLETED");
 * ```
 */
export const StateTypeSchema = z.enum(Object.values(StateType) as [StateType, ...StateType[]]);

/**
 * A state of a run or task run.
 *
 * @example
 * ```ts
 * StateSchema.parse({ type: "COMPLETED", name: "Completed", timestamp: Date.now() });
 * ```
 */
export const StateSchema = z
  .object({
    type: StateTypeSchema,
    name: z.string(),
    timestamp: z.number(),
    message: z.string().optional(),
    scheduledTime: z.number().optional(),
  })
  .openapi("State");
