/**
 * /api/deployments/{id}/schedules: adding, changing (spec or `active`) and removing one
 * schedule of a deployment. Each answers the deployment. Changing or removing a schedule
 * discards the runs it had scheduled that have not started (worker/deployments/changes.ts).
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { ScheduleBody, UpdateScheduleBody } from "../../protocol/deployment.ts";
import { checkSpec, reviseDeployment, storedOr404 } from "../deployments/operations.ts";
import type { StoredDeployment } from "../deployments/store.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { DeploymentIdParam, deploymentResponse, wire } from "./deployment_params.ts";
import { ApiError } from "./errors.ts";
import { errors } from "./schemas.ts";

type App = OpenAPIHono<{ Bindings: WeirEnv }>;

/** The most schedules one deployment has (as `CreateDeploymentBody` allows). */
export const MAX_SCHEDULES = 20;

const ScheduleIdParam = DeploymentIdParam.extend({
  scheduleId: z.uuid().openapi({
    param: { name: "scheduleId", in: "path" },
    example: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
  }),
});

function scheduleOr404(stored: StoredDeployment, scheduleId: string): void {
  if (!stored.schedules.some((s) => s.id === scheduleId)) {
    throw new ApiError(
      "not_found",
      `Deployment '${stored.row.flow_name}/${stored.row.name}' has no schedule with id '${scheduleId}'`,
    );
  }
}

/**
 * Registers the schedule routes of deployments.
 *
 * @example
 * ```ts
 * deploymentScheduleRoutes(app, registry);
 * ```
 */
export function deploymentScheduleRoutes(app: App, registry: FlowRegistry): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/deployments/{id}/schedules",
      summary: "Add a schedule to a deployment",
      description:
        "A bad cron string, time zone, interval or RRULE is a 422 naming the field (`schedule.cron`). An active schedule of a deployment that is not paused creates runs from the next tick.",
      request: {
        params: DeploymentIdParam,
        body: { content: { "application/json": { schema: ScheduleBody } }, required: true },
      },
      responses: {
        201: deploymentResponse("The deployment, with the schedule last"),
        ...errors(400, 401, 404, 413, 422),
      },
    }),
    async (c) => {
      const stored = await storedOr404(c.env.DB, c.req.valid("param").id);
      const body = c.req.valid("json");
      checkSpec(body.schedule);
      if (stored.schedules.length >= MAX_SCHEDULES) {
        throw new ApiError(
          "invalid_value",
          `Deployment '${stored.row.flow_name}/${stored.row.name}' already has ${MAX_SCHEDULES} schedules, the most it may have; remove one first`,
          "schedule",
        );
      }
      const revised = await reviseDeployment(
        c.env,
        registry,
        stored,
        // A new entry with a fresh id, so it never takes over an existing equal schedule.
        (fields) => ({
          ...fields,
          schedules: [
            ...fields.schedules,
            { id: crypto.randomUUID(), schedule: body.schedule, active: body.active },
          ],
        }),
        Date.now(),
      );
      return c.json(wire(revised), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/deployments/{id}/schedules/{scheduleId}",
      summary: "Change a schedule's spec or whether it is active",
      description:
        "Changing the spec, or deactivating it, discards the runs it had scheduled that have not started; the next tick schedules it again from now.",
      request: {
        params: ScheduleIdParam,
        body: { content: { "application/json": { schema: UpdateScheduleBody } }, required: true },
      },
      responses: {
        200: deploymentResponse("The deployment"),
        ...errors(400, 401, 404, 413, 422),
      },
    }),
    async (c) => {
      const { id, scheduleId } = c.req.valid("param");
      const stored = await storedOr404(c.env.DB, id);
      scheduleOr404(stored, scheduleId);
      const patch = c.req.valid("json");
      if (patch.schedule !== undefined) checkSpec(patch.schedule);
      const revised = await reviseDeployment(
        c.env,
        registry,
        stored,
        (fields) => ({
          ...fields,
          schedules: fields.schedules.map((s) =>
            s.id !== scheduleId
              ? s
              : {
                  ...s,
                  ...(patch.schedule === undefined ? {} : { schedule: patch.schedule }),
                  ...(patch.active === undefined ? {} : { active: patch.active }),
                },
          ),
        }),
        Date.now(),
      );
      return c.json(wire(revised), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/deployments/{id}/schedules/{scheduleId}",
      summary: "Remove a schedule from a deployment",
      description: "Discards the runs it had scheduled that have not started.",
      request: { params: ScheduleIdParam },
      responses: {
        200: deploymentResponse("The deployment"),
        ...errors(400, 401, 404, 413),
      },
    }),
    async (c) => {
      const { id, scheduleId } = c.req.valid("param");
      const stored = await storedOr404(c.env.DB, id);
      scheduleOr404(stored, scheduleId);
      const revised = await reviseDeployment(
        c.env,
        registry,
        stored,
        (fields) => ({
          ...fields,
          schedules: fields.schedules.filter((s) => s.id !== scheduleId),
        }),
        Date.now(),
      );
      return c.json(wire(revised), 200);
    },
  );
}
