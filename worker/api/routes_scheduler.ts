/**
 * POST /api/scheduler/tick: runs the scheduler's tick now (what the Cron Trigger does every
 * minute) and answers what it did. `weir scheduler tick` calls it.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { runSchedulerTick } from "../scheduler/tick.ts";
import { errors } from "./schemas.ts";

/**
 * The tick's answer.
 *
 * @example
 * ```ts
 * SchedulerTickSchema.parse(await (await fetch("/api/scheduler/tick", { method: "POST" })).json());
 * ```
 */
export const SchedulerTickSchema = z
  .object({
    at: z.number().openapi({ description: "The tick's time, epoch ms" }),
    schedulesDue: z.number().int(),
    runsCreated: z.number().int(),
    runsExisting: z.number().int().openapi({ description: "Runs another tick had created" }),
    catchUpRuns: z.number().int().openapi({ description: "Runs created for missed times" }),
    lateMarked: z.number().int(),
    runsDiscarded: z.number().int(),
    problems: z.array(z.object({ scheduleId: z.string(), message: z.string() })),
    durationMs: z.number(),
  })
  .openapi("SchedulerTick");

/**
 * Registers POST /api/scheduler/tick.
 *
 * @example
 * ```ts
 * schedulerRoutes(app, registry);
 * ```
 */
export function schedulerRoutes(
  app: OpenAPIHono<{ Bindings: WeirEnv }>,
  registry: FlowRegistry,
): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/scheduler/tick",
      summary: "Run the scheduler's tick now",
      description:
        "Does what the every-minute Cron Trigger does: marks late runs Late, and creates the due schedules' coming runs (idempotent: a run is never created twice). Answers what it did.",
      responses: {
        200: {
          description: "What the tick did",
          content: { "application/json": { schema: SchedulerTickSchema } },
        },
        ...errors(401, 413),
      },
    }),
    async (c) => {
      const summary = await runSchedulerTick(c.env, registry, Date.now());
      return c.json({ ...summary, problems: [...summary.problems] }, 200);
    },
  );
}
