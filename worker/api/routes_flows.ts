/**
 * /api/flows: the registered flows, their parameter schemas, and creating runs.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AnyFlow } from "../../runtime/host.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { createFlowRun } from "./create_run.ts";
import { ApiError } from "./errors.ts";
import { label } from "./limits.ts";
import { CreateRunBody, errors, FlowSchema, RunSchema, toEpochMs } from "./schemas.ts";

const FlowNameParam = z.object({
  name: label(1000).openapi({ param: { name: "name", in: "path" }, example: "cat-fact" }),
});

/** A flow as the API shows it. */
export function describeFlow(flow: AnyFlow): z.infer<typeof FlowSchema> {
  let parametersSchema: Record<string, unknown> | null = null;
  try {
    parametersSchema = flow.jsonSchema() ?? null;
  } catch {
    parametersSchema = null;
  }
  return {
    name: flow.flowName,
    description: flow.options.description ?? null,
    version: flow.options.version ?? null,
    tags: [...(flow.options.tags ?? [])],
    retries: flow.options.retries ?? 0,
    parametersSchema,
  };
}

/** Looks a flow up or answers 404. */
export function flowOr404(registry: FlowRegistry, name: string): AnyFlow {
  const flow = registry.get(name);
  if (flow === undefined) {
    const known = registry.list().map((f) => f.flowName);
    throw new ApiError(
      "not_found",
      `No flow named '${name}'. Registered flows: ${known.length === 0 ? "none" : known.join(", ")}`,
    );
  }
  return flow;
}

/**
 * Registers the flow routes.
 *
 * @example
 * ```ts
 * flowRoutes(app, registry);
 * ```
 */
export function flowRoutes(app: OpenAPIHono<{ Bindings: WeirEnv }>, registry: FlowRegistry): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/flows",
      summary: "List the flows this Worker can run",
      responses: {
        200: {
          description: "The flows, sorted by name",
          content: { "application/json": { schema: z.object({ flows: z.array(FlowSchema) }) } },
        },
        ...errors(401),
      },
    }),
    (c) => c.json({ flows: registry.list().map(describeFlow) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/flows/{name}",
      summary: "A flow, with the JSON Schema of its parameters",
      request: { params: FlowNameParam },
      responses: {
        200: { description: "The flow", content: { "application/json": { schema: FlowSchema } } },
        ...errors(400, 401, 404, 422),
      },
    }),
    (c) => c.json(describeFlow(flowOr404(registry, c.req.valid("param").name)), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/flows/{name}/runs",
      summary: "Create a run of a flow",
      description:
        "Validates the parameters against the flow's schema, then creates the run in its own Durable Object. The same idempotencyKey again returns the same run (200) and creates nothing.",
      request: {
        params: FlowNameParam,
        body: { content: { "application/json": { schema: CreateRunBody } }, required: false },
      },
      responses: {
        201: { description: "Created", content: { "application/json": { schema: RunSchema } } },
        200: {
          description: "Already created with this idempotencyKey",
          content: { "application/json": { schema: RunSchema } },
        },
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const flow = flowOr404(registry, c.req.valid("param").name);
      // Without a body (it is optional) the validator gives `{}`, not the schema's defaults.
      const body = c.req.valid("json") ?? {};
      const { created, run } = await createFlowRun(c.env, flow, {
        parameters: body.parameters ?? {},
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.tags === undefined ? {} : { tags: body.tags }),
        ...(body.scheduledAt === undefined ? {} : { scheduledAt: toEpochMs(body.scheduledAt) }),
        ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
      });
      return c.json(run as unknown as Record<string, unknown>, created ? 201 : 200);
    },
  );
}
