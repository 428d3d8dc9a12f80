/**
 * GET /api/flows/{name}/graph: a flow's task and subflow graph drawn without running it (the
 * runtime's `visualize`), for the UI's flow page and `weir flow visualize`.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { FlowGraphSchema } from "../../protocol/flow_graph.ts";
import { jsonProblem, label } from "../../protocol/limits.ts";
import { ParameterValidationError, visualize } from "../../runtime/host.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { ApiError } from "./errors.ts";
import { flowOr404 } from "./routes_flows.ts";
import { errors } from "./schemas.ts";

const GraphQuery = z.object({
  parameters: z
    .string()
    .max(64 * 1024)
    .optional()
    .openapi({
      description:
        "The parameters to draw with, as JSON (default: the schema's defaults, or placeholders)",
      example: '{"url":"https://example.com"}',
    }),
});

/**
 * Registers the flow graph route.
 *
 * @example
 * ```ts
 * flowGraphRoutes(app, registry);
 * ```
 */
export function flowGraphRoutes(
  app: OpenAPIHono<{ Bindings: WeirEnv }>,
  registry: FlowRegistry,
): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/flows/{name}/graph",
      summary: "A flow's graph, drawn without running it",
      description:
        "Drives the flow's body with each step answered by a placeholder (no task runs) and answers its tasks, subflows, waits and groups with data edges. `truncated` says why a drawing stopped early (a loop on a task's result).",
      request: {
        params: z.object({
          name: label(1000).openapi({ param: { name: "name", in: "path" }, example: "iris" }),
        }),
        query: GraphQuery,
      },
      responses: {
        200: {
          description: "The graph",
          content: { "application/json": { schema: FlowGraphSchema } },
        },
        ...errors(400, 401, 404, 422),
      },
    }),
    async (c) => {
      const flow = flowOr404(registry, c.req.valid("param").name);
      const raw = c.req.valid("query").parameters;
      let params: unknown;
      if (raw !== undefined) {
        try {
          params = JSON.parse(raw);
        } catch {
          throw new ApiError("invalid_value", "parameters must be a JSON object", "parameters");
        }
        const problem = jsonProblem(params);
        if (problem !== undefined) throw new ApiError("invalid_value", problem, "parameters");
        if (params === null || typeof params !== "object" || Array.isArray(params)) {
          throw new ApiError("invalid_value", "parameters must be a JSON object", "parameters");
        }
      }
      try {
        const graph = await visualize(flow, params);
        return c.json({ ...graph, nodes: [...graph.nodes], edges: [...graph.edges] }, 200);
      } catch (error) {
        if (error instanceof ParameterValidationError) {
          throw new ApiError(
            "invalid_parameters",
            error.message,
            error.field === "" ? "parameters" : `parameters.${error.field}`,
          );
        }
        throw error;
      }
    },
  );
}
