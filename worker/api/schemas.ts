/**
 * The API's request and response schemas (zod, via @hono/zod-openapi, so the same definitions
 * validate requests and describe the API in /api/openapi.json).
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import { StateType } from "../../runtime/mod.ts";
import { boundedJson, boundedJsonObject, INVALID_VALUE, label, timeProblem } from "./limits.ts";

/** Every error response. */
export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string().openapi({ example: "No flow named 'cat-fakt'" }),
      field: z.string().optional().openapi({ example: "parameters.url" }),
    }),
  })
  .openapi("Error");

/** Error responses, for route definitions. */
export function errors(...statuses: (400 | 401 | 404 | 409 | 413 | 422)[]) {
  const description: Record<number, string> = {
    400: "Malformed request",
    401: "Missing or wrong bearer token",
    404: "Unknown flow or run",
    409: "Conflicts with the run's state",
    413: "Body too large",
    422: "Parameters do not match the flow's schema, or a value is outside the API's limits (depth, size, characters, time range)",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: description[status] ?? "Error",
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}

/** The nine state types, from the runtime's own list. */
const StateTypeSchema = z.enum(Object.values(StateType) as [StateType, ...StateType[]]);

/** A state of a run or task run. */
export const StateSchema = z
  .object({
    type: StateTypeSchema,
    name: z.string(),
    timestamp: z.number(),
    message: z.string().optional(),
    scheduledTime: z.number().optional(),
  })
  .openapi("State");

/** A flow the Worker can run. */
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

/** A run in full (see worker/run_detail.ts). */
export const RunSchema = z.record(z.string(), z.unknown()).openapi("Run", {
  description:
    "id, flowName, name, parentRunId, tags, parameters, state, stateHistory, retries, result or resultRef, error, taskRuns, subflowRuns, steps",
});

/** A run as the index lists it. */
export const RunSummarySchema = z
  .object({
    id: z.string(),
    flowName: z.string(),
    name: z.string(),
    deploymentId: z.string().nullable(),
    parentRunId: z.string().nullable(),
    state: z.object({ type: z.string(), name: z.string() }),
    tags: z.array(z.string()),
    createdAt: z.number(),
    updatedAt: z.number(),
    scheduledAt: z.number().nullable(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
  })
  .openapi("RunSummary");

/** A time in a body: epoch ms or ISO 8601, between 1970 and 2100 (see limits.ts). */
const timestamp = z
  .union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .superRefine((value, ctx) => {
    const problem = timeProblem(toEpochMs(value));
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", message: problem, params: INVALID_VALUE });
  });

/** POST /api/flows/{name}/runs */
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

/** GET /api/runs query. */
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

/** GET /api/runs/{id}/logs query. */
export const LogsQuery = z.object({
  after: z.coerce.number().int().nonnegative().default(0),
  level: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("DEBUG"),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** A run id in a path. */
export const RunIdParam = z.object({
  id: z.uuid().openapi({
    param: { name: "id", in: "path" },
    example: "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b",
  }),
});

/** POST /api/runs/{id}/cancel */
export const CancelBody = z.object({ reason: z.string().max(500).optional() }).strict();

/** POST /api/runs/{id}/events/{name} */
export const EventBody = z.object({ payload: boundedJson().optional() }).strict();

/** Turns an epoch-ms number or ISO string into epoch ms. */
export function toEpochMs(value: number | string): number {
  return typeof value === "number" ? value : Date.parse(value);
}
