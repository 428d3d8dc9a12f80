/**
 * /api/deployments: deployments of registered flows (stored in D1), by id and by
 * `flow/name`, their pause and resume, and their runs. Schedule sub-routes are in
 * routes_deployment_schedules.ts.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  CreateDeploymentBody,
  DeploymentSchema,
  UpdateDeploymentBody,
} from "../../protocol/deployment.ts";
import { StateTypeSchema } from "../../protocol/state.ts";
import { removeDeployment } from "../deployments/changes.ts";
import { createDeploymentRun } from "../deployments/create_run.ts";
import {
  checkSchedules,
  createDeployment,
  reviseDeployment,
  storedOr404,
} from "../deployments/operations.ts";
import {
  deploymentFields,
  getDeploymentByName,
  listDeployments,
  toDeployment,
} from "../deployments/store.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { DeploymentIdParam, deploymentResponse, limitPatch, wire } from "./deployment_params.ts";
import { ApiError } from "./errors.ts";
import { label } from "./limits.ts";
import { deploymentScheduleRoutes } from "./routes_deployment_schedules.ts";
import { type RunRow, runSummaryOf } from "./run_rows.ts";
import { CreateRunBody, errors, RunSchema, RunSummarySchema, toEpochMs } from "./schemas.ts";

type App = OpenAPIHono<{ Bindings: WeirEnv }>;

const DeploymentNameParam = z.object({
  flow: label(200).openapi({ param: { name: "flow", in: "path" }, example: "reddit-pipeline" }),
  deployment: label(200).openapi({
    param: { name: "deployment", in: "path" },
    example: "every-2h",
  }),
});

const DeploymentRunsQuery = z.object({
  state: StateTypeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** Scheduled runs page by scheduled time, soonest first; others by creation, newest first. */
function encodeCursor(key: number, id: string): string {
  return btoa(JSON.stringify([key, id])).replace(/=+$/, "");
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(atob(cursor));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
    // Reported below.
  }
  throw new ApiError("bad_request", "The cursor is not one this API gave out", "cursor");
}

/**
 * Registers the deployment routes (and the schedule sub-routes).
 *
 * @example
 * ```ts
 * deploymentRoutes(app, registry);
 * ```
 */
export function deploymentRoutes(app: App, registry: FlowRegistry): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/deployments",
      summary: "List deployments, sorted by flow name then name",
      request: { query: z.object({ flow: label(200).optional() }) },
      responses: {
        200: {
          description: "The deployments",
          content: {
            "application/json": { schema: z.object({ deployments: z.array(DeploymentSchema) }) },
          },
        },
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const { flow } = c.req.valid("query");
      const deployments = await listDeployments(
        c.env.DB,
        flow === undefined ? {} : { flowName: flow },
      );
      return c.json({ deployments: deployments.map(wire) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/deployments",
      summary: "Create a deployment of a registered flow",
      description:
        "Checks that the flow is registered, that each schedule means something (cron, time zone, interval, RRULE) and that the default parameters fit the flow's schema (required parameters may be left to each run). 409 when the flow already has a deployment of this name.",
      request: {
        body: { content: { "application/json": { schema: CreateDeploymentBody } }, required: true },
      },
      responses: {
        201: deploymentResponse("Created"),
        ...errors(400, 401, 409, 413, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const created = await createDeployment(c.env, registry, deploymentFields(body), Date.now());
      return c.json(wire(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/deployments/name/{flow}/{deployment}",
      summary: "A deployment by flow name and deployment name",
      request: { params: DeploymentNameParam },
      responses: {
        200: deploymentResponse("The deployment"),
        ...errors(400, 401, 404, 422),
      },
    }),
    async (c) => {
      const { flow, deployment } = c.req.valid("param");
      const found = await getDeploymentByName(c.env.DB, flow, deployment);
      if (found === undefined) {
        throw new ApiError("not_found", `No deployment named '${flow}/${deployment}'`);
      }
      return c.json(wire(found), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/deployments/{id}",
      summary: "A deployment",
      request: { params: DeploymentIdParam },
      responses: { 200: deploymentResponse("The deployment"), ...errors(400, 401, 404) },
    }),
    async (c) => {
      const stored = await storedOr404(c.env.DB, c.req.valid("param").id);
      return c.json(wire(toDeployment(stored, Date.now())), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/deployments/{id}",
      summary: "Change a deployment",
      description:
        "Any of the fields; `schedules`, when given, replaces them all (a schedule whose spec is unchanged keeps its id and its scheduled runs). Pausing, or changing or removing a schedule, discards the runs it had scheduled that have not started. A new `concurrencyLimit` applies at once to its limits in use (raising it admits waiting runs); null removes them, admitting every waiting run.",
      request: {
        params: DeploymentIdParam,
        body: { content: { "application/json": { schema: UpdateDeploymentBody } }, required: true },
      },
      responses: {
        200: deploymentResponse("The deployment"),
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const stored = await storedOr404(c.env.DB, c.req.valid("param").id);
      const patch = c.req.valid("json");
      if (patch.schedules !== undefined) checkSchedules(patch.schedules);
      const revised = await reviseDeployment(
        c.env,
        registry,
        stored,
        (fields) => ({
          ...fields,
          ...(patch.description === undefined ? {} : { description: patch.description }),
          ...(patch.version === undefined ? {} : { version: patch.version }),
          ...(patch.tags === undefined ? {} : { tags: patch.tags }),
          ...(patch.parameters === undefined ? {} : { parameters: patch.parameters }),
          ...(patch.schedules === undefined ? {} : { schedules: patch.schedules }),
          ...(patch.paused === undefined ? {} : { paused: patch.paused }),
          ...(patch.catchUp === undefined ? {} : { catchUp: patch.catchUp }),
          ...limitPatch(patch),
        }),
        Date.now(),
      );
      return c.json(wire(revised), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/deployments/{id}",
      summary: "Delete a deployment",
      description:
        "Deletes the deployment and its schedules, and the runs they had scheduled that have not started, and removes its concurrency limits (admitting the runs waiting for them). Other runs stay. A deployment declared in code comes back when a new version of the Worker is deployed with it.",
      request: { params: DeploymentIdParam },
      responses: {
        200: {
          description: "Deleted",
          content: {
            "application/json": { schema: z.object({ id: z.string(), deleted: z.literal(true) }) },
          },
        },
        ...errors(400, 401, 404, 413),
      },
    }),
    async (c) => {
      const stored = await storedOr404(c.env.DB, c.req.valid("param").id);
      await removeDeployment(c.env, stored);
      return c.json({ id: stored.row.id, deleted: true as const }, 200);
    },
  );

  for (const [action, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/deployments/{id}/${action}`,
        summary: paused
          ? "Pause a deployment: its schedules create no runs, and their unstarted runs are discarded"
          : "Resume a deployment: its active schedules create runs again, from now",
        request: { params: DeploymentIdParam },
        responses: {
          200: deploymentResponse("The deployment"),
          ...errors(400, 401, 404, 413),
        },
      }),
      async (c) => {
        const stored = await storedOr404(c.env.DB, c.req.valid("param").id);
        const revised = await reviseDeployment(
          c.env,
          registry,
          stored,
          (fields) => ({ ...fields, paused }),
          Date.now(),
        );
        return c.json(wire(revised), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/deployments/{id}/runs",
      summary: "Create a run of a deployment",
      description:
        "The deployment's default parameters with the given ones merged over them (top-level keys), validated against the flow's schema; the deployment's tags then the given ones. With a concurrencyLimit the run takes a slot of `deployment:<id>` (or `deployment:<id>:<value of concurrencyKey>`; 422 naming `parameters.<key>` when it has none) before it starts. The same idempotencyKey again (for this deployment) returns the same run (200) and creates nothing.",
      request: {
        params: DeploymentIdParam,
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
      const stored = await storedOr404(c.env.DB, c.req.valid("param").id);
      // Without a body (it is optional) the validator gives `{}`, not the schema's defaults.
      const body = c.req.valid("json") ?? {};
      const { created, run } = await createDeploymentRun(
        c.env,
        registry,
        toDeployment(stored, Date.now()),
        {
          parameters: body.parameters ?? {},
          ...(body.name === undefined ? {} : { name: body.name }),
          ...(body.tags === undefined ? {} : { tags: body.tags }),
          ...(body.scheduledAt === undefined ? {} : { scheduledAt: toEpochMs(body.scheduledAt) }),
          ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
        },
      );
      return c.json(run as unknown as Record<string, unknown>, created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/deployments/{id}/runs",
      summary: "A deployment's runs",
      description:
        "From the run index. With state=SCHEDULED, its upcoming runs soonest first; otherwise newest first. Pages with an opaque cursor.",
      request: { params: DeploymentIdParam, query: DeploymentRunsQuery },
      responses: {
        200: {
          description: "A page of runs",
          content: {
            "application/json": {
              schema: z.object({
                runs: z.array(RunSummarySchema),
                count: z.number(),
                nextCursor: z.string().nullable(),
              }),
            },
          },
        },
        ...errors(400, 401, 404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      await storedOr404(c.env.DB, id);
      const upcoming = q.state === "SCHEDULED";
      const where = ["deployment_id = ?"];
      const binds: unknown[] = [id];
      if (q.state !== undefined) {
        where.push("state_type = ?");
        binds.push(q.state);
      }
      // Scheduled runs have a scheduled time; the key falls back to creation for the others.
      const key = upcoming ? "COALESCE(scheduled_at, created_at)" : "created_at";
      const filter = `WHERE ${where.join(" AND ")}`;
      const pageWhere = [...where];
      const pageBinds = [...binds];
      if (q.cursor !== undefined) {
        const [at, after] = decodeCursor(q.cursor);
        pageWhere.push(
          upcoming
            ? `(${key} > ? OR (${key} = ? AND id > ?))`
            : `(${key} < ? OR (${key} = ? AND id < ?))`,
        );
        pageBinds.push(at, at, after);
      }
      const order = upcoming ? `${key} ASC, id ASC` : `${key} DESC, id DESC`;
      const [page, total] = await c.env.DB.batch([
        c.env.DB.prepare(
          `SELECT *, ${key} AS page_key FROM runs WHERE ${pageWhere.join(" AND ")} ORDER BY ${order} LIMIT ?`,
        ).bind(...pageBinds, q.limit + 1),
        c.env.DB.prepare(`SELECT COUNT(*) AS n FROM runs ${filter}`).bind(...binds),
      ]);
      const rows = (page?.results ?? []) as (RunRow & { page_key: number })[];
      const shown = rows.slice(0, q.limit);
      const last = shown[shown.length - 1];
      return c.json(
        {
          runs: shown.map(runSummaryOf),
          count: ((total?.results?.[0] as { n?: number } | undefined)?.n ?? 0) as number,
          nextCursor:
            rows.length > q.limit && last !== undefined
              ? encodeCursor(last.page_key, last.id)
              : null,
        },
        200,
      );
    },
  );

  deploymentScheduleRoutes(app, registry);
}
