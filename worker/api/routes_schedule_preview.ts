/**
 * POST /api/schedules/preview: a schedule's next times, as ISO 8601 strings with the
 * schedule's UTC offset, and the schedule in words. The UI's schedule editor shows them while
 * a person types, and tests use them; nothing is stored.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { SchedulePreviewBody } from "../../protocol/deployment.ts";
import { describeSchedule } from "../../protocol/schedule_words.ts";
import type { ScheduleSpec } from "../../runtime/deployment.ts";
import type { WeirEnv } from "../env.ts";
import { isoInZone, nextTimes, scheduleProblem } from "../scheduler/schedule_times.ts";
import { ApiError } from "./errors.ts";
import { errors } from "./schemas.ts";

const SchedulePreviewSchema = z
  .object({
    times: z.array(z.string()).openapi({ example: ["2026-11-29T00:00:00-03:00"] }),
    description: z.string().openapi({ example: "At 00:00 in America/Sao_Paulo" }),
  })
  .openapi("SchedulePreviewAnswer");

/**
 * Checks a schedule, answering a 422 `invalid_value` naming the field (`schedule.cron`,
 * `schedule.timezone`, ...) when it is wrong. `prefix` is where the spec is in the body.
 *
 * @example
 * ```ts
 * assertValidSchedule(body.schedule, "schedules.0.schedule");
 * ```
 */
export function assertValidSchedule(spec: ScheduleSpec, prefix = "schedule"): void {
  const problem = scheduleProblem(spec);
  if (problem !== undefined) {
    const field = problem.field === "" ? prefix : `${prefix}.${problem.field}`;
    throw new ApiError("invalid_value", problem.message, field);
  }
}

/**
 * Registers POST /api/schedules/preview.
 *
 * @example
 * ```ts
 * schedulePreviewRoutes(app);
 * ```
 */
export function schedulePreviewRoutes(app: OpenAPIHono<{ Bindings: WeirEnv }>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/schedules/preview",
      summary: "The next times of a schedule, and the schedule in words",
      description:
        "Times are strictly after `from` (default now), as ISO 8601 with the schedule's UTC offset at each time. A cron string, time zone, interval, anchor date or RRULE that is wrong is a 422 naming the field (schedule.cron, schedule.timezone, ...).",
      request: {
        body: { content: { "application/json": { schema: SchedulePreviewBody } }, required: true },
      },
      responses: {
        200: {
          description: "The next times",
          content: { "application/json": { schema: SchedulePreviewSchema } },
        },
        ...errors(400, 401, 413, 422),
      },
    }),
    (c) => {
      const body = c.req.valid("json");
      const schedule = body.schedule as ScheduleSpec;
      assertValidSchedule(schedule);
      const from = body.from === undefined ? Date.now() : Date.parse(body.from);
      const zone = ("rrule" in schedule ? rruleZone(schedule) : undefined) ?? schedule.timezone;
      const times = nextTimes(schedule, from, { count: body.count }).map((t) =>
        isoInZone(t, zone ?? "UTC"),
      );
      return c.json({ times, description: describeSchedule(schedule) }, 200);
    },
  );
}

/** The zone an RRULE's `DTSTART;TZID=...` names, shown when the schedule names none. */
function rruleZone(spec: { rrule: string; timezone?: string }): string | undefined {
  if (spec.timezone !== undefined) return spec.timezone;
  return /^DTSTART;TZID=([^:;]+):/im.exec(spec.rrule)?.[1];
}
