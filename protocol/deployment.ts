/**
 * Deployments and schedules on the wire: what GET /api/deployments answers, the bodies that
 * create and change them, and the schedule specs (`cron`, `interval`, `rrule`). The shapes are
 * checked here; whether a cron string, time zone or RRULE means anything is checked by the
 * Worker's scheduler (worker/scheduler/), which answers a 422 naming the field.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { CatchUpPolicy, ScheduleSpec } from "../runtime/deployment.ts";
import type { CollisionStrategy } from "../runtime/limits/port.ts";
import { CollisionStrategySchema, MAX_LIMIT } from "./concurrency.ts";
import { boundedJsonObject, INVALID_VALUE, label } from "./limits.ts";

export type {
  CatchUpPolicy,
  CronSchedule,
  IntervalSchedule,
  RRuleSchedule,
  ScheduleSpec,
} from "../runtime/deployment.ts";

/** The most missed runs the `all` catch-up policy creates for one schedule after downtime. */
export const MAX_CATCH_UP_RUNS = 100;

/**
 * A run counts as missed (and its deployment's catch-up policy decides whether it runs) when
 * it would start more than this long after its scheduled time. Runs later than
 * {@link LATE_AFTER_MS} but not missed are marked Late and run.
 */
export const MISSED_AFTER_MS = 60_000;

/** A Scheduled run not started this long after its time is marked Late (Prefect's default). */
export const LATE_AFTER_MS = 15_000;

/**
 * A schedule of a deployment, as the API answers it.
 *
 * @example
 * ```ts
 * for (const s of deployment.schedules) console.log(s.id, s.active, s.schedule);
 * ```
 */
export interface DeploymentSchedule {
  readonly id: string;
  readonly active: boolean;
  readonly schedule: ScheduleSpec;
  /** The next time this schedule runs, epoch ms; null when inactive or it has no more times. */
  readonly nextRunAt: number | null;
}

/**
 * A deployment: a flow with default parameters, schedules and a catch-up policy.
 *
 * @example
 * ```ts
 * const d: Deployment = await client.getDeploymentByName("reddit-pipeline", "every-2h");
 * ```
 */
export interface Deployment {
  readonly id: string;
  readonly flowName: string;
  readonly name: string;
  readonly description: string | null;
  readonly version: string | null;
  readonly tags: readonly string[];
  readonly parameters: Record<string, unknown>;
  readonly schedules: readonly DeploymentSchedule[];
  readonly paused: boolean;
  readonly catchUp: CatchUpPolicy;
  /**
   * At most this many of its runs at once (its concurrency limit, `deployment:<id>`); null:
   * no limit.
   */
  readonly concurrencyLimit: number | null;
  /** What a run over the limit does: `ENQUEUE` (waits in line) or `CANCEL_NEW` (cancelled). */
  readonly collisionStrategy: CollisionStrategy;
  /**
   * A parameter's name or dotted path: the limit applies per value of it
   * (`deployment:<id>:<value>`); null: one limit for all its runs.
   */
  readonly concurrencyKey: string | null;
  /** `code` when declared in the Worker's code (applied on deploy), `api` when created over the API. */
  readonly source: "code" | "api";
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * GET /api/deployments.
 *
 * @example
 * ```ts
 * const { deployments }: DeploymentList = await res.json();
 * ```
 */
export interface DeploymentList {
  readonly deployments: readonly Deployment[];
}

const timezone = label(100).openapi({
  description: "An IANA time zone name, such as America/Sao_Paulo (default UTC)",
});

/**
 * A schedule spec, as a zod schema (the shape only; see the module comment).
 *
 * @example
 * ```ts
 * ScheduleSpecSchema.parse({ cron: "0 *\/2 * * *" });
 * ```
 */
export const ScheduleSpecSchema = z
  .union([
    z
      .object({
        cron: z.string().min(1).max(200),
        timezone: timezone.optional(),
        dayOr: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        interval: z.union([z.number().positive(), z.string().min(1).max(50)]),
        anchorDate: z.iso.datetime({ offset: true }).optional(),
        timezone: timezone.optional(),
      })
      .strict(),
    z
      .object({
        rrule: z.string().min(1).max(2000),
        timezone: timezone.optional(),
      })
      .strict(),
  ])
  .openapi("ScheduleSpec", {
    description:
      "{ cron, timezone?, dayOr? } | { interval (seconds or '2h'), anchorDate?, timezone? } | { rrule, timezone? }",
  });

/** The catch-up policy, as a zod schema. */
export const CatchUpSchema = z.enum(["skip", "latest", "all"]).openapi("CatchUpPolicy");

/**
 * A schedule as a deployment body gives it: the spec and whether it is active.
 *
 * @example
 * ```ts
 * ScheduleBody.parse({ schedule: { interval: "1h" }, active: true });
 * ```
 */
export const ScheduleBody = z
  .object({ schedule: ScheduleSpecSchema, active: z.boolean().default(true) })
  .strict()
  .openapi("ScheduleBody");

/**
 * PATCH /api/deployments/{id}/schedules/{scheduleId} body.
 *
 * @example
 * ```ts
 * UpdateScheduleBody.parse({ active: false });
 * ```
 */
export const UpdateScheduleBody = z
  .object({ schedule: ScheduleSpecSchema.optional(), active: z.boolean().optional() })
  .strict()
  .openapi("UpdateSchedule");

/** The most characters of a deployment's `concurrencyKey`. */
export const MAX_CONCURRENCY_KEY = 200;

const concurrencyLimit = z
  .number()
  .int({ message: "must be an integer" })
  .min(0, { message: "must be 0 or more" })
  .max(MAX_LIMIT, { message: `must be at most ${MAX_LIMIT}` })
  .nullable()
  .openapi({ description: "At most this many of its runs at once; null: no limit" });

const concurrencyKey = label(MAX_CONCURRENCY_KEY)
  .superRefine((text, ctx) => {
    if (text.split(".").some((part) => part === "")) {
      ctx.addIssue({
        code: "custom",
        message: "must be a parameter name or a dotted path such as customer.id (no empty parts)",
        params: INVALID_VALUE,
      });
    }
  })
  .nullable()
  .openapi({
    description:
      "A parameter name or dotted path (customer.id): the limit applies per value of it; null: one limit for all runs",
  });

/**
 * POST /api/deployments body.
 *
 * @example
 * ```ts
 * CreateDeploymentBody.parse({ flowName: "cat-fact", name: "hourly", schedules: [{ schedule: { interval: "1h" } }] });
 * ```
 */
export const CreateDeploymentBody = z
  .object({
    flowName: label(200),
    name: label(200),
    description: z.string().max(2000).nullable().optional(),
    version: label(100).nullable().optional(),
    tags: z.array(label(100)).max(50).default([]),
    parameters: boundedJsonObject().default({}),
    schedules: z.array(ScheduleBody).max(20).default([]),
    paused: z.boolean().default(false),
    catchUp: CatchUpSchema.default("skip"),
    concurrencyLimit: concurrencyLimit.default(null),
    collisionStrategy: CollisionStrategySchema.default("ENQUEUE"),
    concurrencyKey: concurrencyKey.default(null),
  })
  .strict()
  .openapi("CreateDeployment");

/**
 * PATCH /api/deployments/{id} body: any of the fields; `schedules`, when given, replaces them all.
 *
 * @example
 * ```ts
 * UpdateDeploymentBody.parse({ parameters: { n: 5 }, catchUp: "latest", concurrencyLimit: 2 });
 * ```
 */
export const UpdateDeploymentBody = z
  .object({
    description: z.string().max(2000).nullable().optional(),
    version: label(100).nullable().optional(),
    tags: z.array(label(100)).max(50).optional(),
    parameters: boundedJsonObject().optional(),
    schedules: z.array(ScheduleBody).max(20).optional(),
    paused: z.boolean().optional(),
    catchUp: CatchUpSchema.optional(),
    concurrencyLimit: concurrencyLimit.optional(),
    collisionStrategy: CollisionStrategySchema.optional(),
    concurrencyKey: concurrencyKey.optional(),
  })
  .strict()
  .openapi("UpdateDeployment");

/**
 * A deployment, as a zod schema (response).
 *
 * @example
 * ```ts
 * DeploymentSchema.parse(await res.json());
 * ```
 */
export const DeploymentSchema = z
  .object({
    id: z.string(),
    flowName: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.string().nullable(),
    tags: z.array(z.string()),
    parameters: z.record(z.string(), z.unknown()),
    schedules: z.array(
      z.object({
        id: z.string(),
        active: z.boolean(),
        schedule: z.record(z.string(), z.unknown()),
        nextRunAt: z.number().nullable(),
      }),
    ),
    paused: z.boolean(),
    catchUp: CatchUpSchema,
    concurrencyLimit: z.number().int().nullable(),
    collisionStrategy: CollisionStrategySchema,
    concurrencyKey: z.string().nullable(),
    source: z.enum(["code", "api"]),
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi("Deployment");

/**
 * POST /api/schedules/preview body: the next `count` (default 5, at most 100) times of a
 * schedule after `from` (default now).
 *
 * @example
 * ```ts
 * SchedulePreviewBody.parse({ schedule: { cron: "0 0 * * *", timezone: "America/Sao_Paulo" }, count: 3 });
 * ```
 */
export const SchedulePreviewBody = z
  .object({
    schedule: ScheduleSpecSchema,
    from: z.iso.datetime({ offset: true }).optional(),
    count: z.number().int().min(1).max(100).default(5),
  })
  .strict()
  .openapi("SchedulePreview");

/**
 * POST /api/schedules/preview answer: ISO 8601 times with the schedule's UTC offset
 * (`2026-11-29T00:00:00-03:00`), and the schedule in words.
 *
 * @example
 * ```ts
 * const { times }: SchedulePreview = await client.previewSchedule({ interval: "1h" });
 * ```
 */
export interface SchedulePreview {
  readonly times: readonly string[];
  readonly description: string;
}
