/**
 * The Hono app behind /api: auth, body limits, JSON errors, the flow, run, remote-run,
 * deployment and concurrency limit routes, and the OpenAPI document at /api/openapi.json.
 *
 * @module
 */

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { bearerAuth } from "./auth.ts";
import { ApiError, errorResponse, fieldOf } from "./errors.ts";
import { INVALID_VALUE } from "./limits.ts";
import { concurrencyRoutes } from "./routes_concurrency.ts";
import { deploymentRoutes } from "./routes_deployments.ts";
import { flowGraphRoutes } from "./routes_flow_graph.ts";
import { flowRoutes } from "./routes_flows.ts";
import { remoteRunRoutes } from "./routes_remote_runs.ts";
import { runStatsRoutes } from "./routes_run_stats.ts";
import { liveRoute, runRoutes } from "./routes_runs.ts";
import { schedulePreviewRoutes } from "./routes_schedule_preview.ts";
import { schedulerRoutes } from "./routes_scheduler.ts";
import { errors } from "./schemas.ts";

function isInvalidValue(issue: { code: string; params?: unknown }): boolean {
  const params =
    issue.code === "custom" ? (issue.params as { weir?: unknown } | undefined) : undefined;
  return params?.weir === INVALID_VALUE.weir;
}

/** Request bodies above this size are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Builds the API for a registry of flows.
 *
 * @example
 * ```ts
 * const api = createApi(new FlowRegistry([catFact]));
 * export default { fetch: api.fetch };
 * ```
 */
export function createApi(registry: FlowRegistry): OpenAPIHono<{ Bindings: WeirEnv }> {
  const app = new OpenAPIHono<{ Bindings: WeirEnv }>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issue = result.error.issues[0];
      const where = result.target === "json" ? "" : `${result.target} `;
      const field = issue === undefined ? undefined : fieldOf(issue.path);
      const message =
        issue === undefined
          ? "The request is not valid"
          : `Invalid ${where}${field ? `field '${field}'` : "value"}: ${issue.message}`;
      // A well-formed value outside the limits (limits.ts) is a 422; a malformed one a 400.
      const code = issue !== undefined && isInvalidValue(issue) ? "invalid_value" : "bad_request";
      return errorResponse(c, new ApiError(code, message, field || undefined));
    },
  });

  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    if (error instanceof HTTPException && error.status < 500) {
      return errorResponse(c, new ApiError("bad_request", error.message || "Malformed request"));
    }
    console.error("weir: unhandled API error", error);
    return errorResponse(
      c,
      new ApiError("internal", "The server failed to handle this request; it has been logged"),
    );
  });
  app.notFound((c) =>
    errorResponse(
      c,
      new ApiError("not_found", `No route ${c.req.method} ${new URL(c.req.url).pathname}`),
    ),
  );

  app.use("/api/*", bearerAuth());
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        errorResponse(
          c,
          new ApiError(
            "payload_too_large",
            `Request bodies are limited to ${MAX_BODY_BYTES} bytes`,
          ),
        ),
    }),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/health",
      summary: "Whether the API answers, and how many flows it can run",
      responses: {
        200: {
          description: "The API is up",
          content: {
            "application/json": {
              schema: z.object({ status: z.literal("ok"), flows: z.number(), time: z.number() }),
            },
          },
        },
        ...errors(401),
      },
    }),
    (c) => c.json({ status: "ok" as const, flows: registry.list().length, time: Date.now() }, 200),
  );
  flowRoutes(app, registry);
  flowGraphRoutes(app, registry);
  runStatsRoutes(app); // before runRoutes: /api/runs/{id} would take /api/runs/stats
  runRoutes(app);
  liveRoute(app);
  remoteRunRoutes(app);
  schedulerRoutes(app, registry);
  schedulePreviewRoutes(app);
  deploymentRoutes(app, registry);
  concurrencyRoutes(app);
  app.doc31("/api/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Weir API",
      version: "0.1.0",
      description:
        "Durable flows on Cloudflare Workers. Errors are always { error: { code, message, field? } }.",
    },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
  });
  return app;
}
