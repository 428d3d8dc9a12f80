/**
 * Concurrency limits on the wire: what GET /api/concurrency-limits answers (a limit with its
 * holders and waiters) and the bodies that create and change one. Shapes are checked here;
 * the routes answer 4xx JSON naming the field.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import type { LeaseScope } from "../runtime/limits/port.ts";
import { label } from "./limits.ts";

export type { CollisionStrategy, LeaseScope } from "../runtime/limits/port.ts";

/** The largest limit a user may set (slots per limit). */
export const MAX_LIMIT = 1_000_000;

/** The largest decay rate, slots per second. */
export const MAX_SLOT_DECAY_PER_SECOND = 1_000_000;

/** Prefixes reserved for limits Weir declares itself (deployment and flow limits). */
export const RESERVED_LIMIT_PREFIXES = ["deployment:", "flow:"] as const;

/**
 * A slot held: by a task run (`stepId` set, scope `step`), a group of steps or a whole run.
 *
 * @example
 * ```ts
 * for (const h of limit.holders) console.log(h.runId, h.label, new Date(h.expiresAt));
 * ```
 */
export interface LimitHolder {
  readonly leaseId: string;
  readonly runId: string;
  readonly stepId: string | null;
  readonly label: string;
  readonly occupy: number;
  readonly scope: LeaseScope;
  /** Epoch ms. */
  readonly acquiredAt: number;
  /** Epoch ms: the limit asks the holder whether it still holds the slot at this time. */
  readonly expiresAt: number;
}

/**
 * A request in line for a slot; `position` is 1 for the next to be granted.
 *
 * @example
 * ```ts
 * const next = limit.waiters[0]; // position 1
 * ```
 */
export interface LimitWaiter {
  readonly leaseId: string;
  readonly runId: string;
  readonly stepId: string | null;
  readonly label: string;
  readonly occupy: number;
  readonly position: number;
  /** Epoch ms. */
  readonly enqueuedAt: number;
}

/**
 * A concurrency limit, as the API answers it.
 *
 * @example
 * ```ts
 * const db: ConcurrencyLimit = await client.getConcurrencyLimit("db");
 * console.log(`${db.slotsHeld}/${db.limit}`);
 * ```
 */
export interface ConcurrencyLimit {
  readonly name: string;
  readonly limit: number;
  readonly active: boolean;
  /** 0 for a plain concurrency limit; more makes a rate limit whose slots decay. */
  readonly slotDecayPerSecond: number;
  /** Slots in use now: held by leases plus, for a rate limit, still decaying. */
  readonly slotsHeld: number;
  readonly holders: readonly LimitHolder[];
  readonly waiters: readonly LimitWaiter[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/**
 * GET /api/concurrency-limits.
 *
 * @example
 * ```ts
 * const { limits } = await client.listConcurrencyLimits();
 * ```
 */
export interface ConcurrencyLimitList {
  readonly limits: readonly ConcurrencyLimit[];
}

const limitValue = z
  .number()
  .int({ message: "must be an integer" })
  .min(0, { message: "must be 0 or more" })
  .max(MAX_LIMIT, { message: `must be at most ${MAX_LIMIT}` });

const decay = z
  .number()
  .finite()
  .min(0, { message: "must be 0 or more" })
  .max(MAX_SLOT_DECAY_PER_SECOND, { message: `must be at most ${MAX_SLOT_DECAY_PER_SECOND}` });

/** POST /api/concurrency-limits. */
export const CreateConcurrencyLimitBody = z
  .object({
    name: label(200),
    limit: limitValue,
    active: z.boolean().optional(),
    slotDecayPerSecond: decay.optional(),
  })
  .strict();
/** The body of POST /api/concurrency-limits. */
export type CreateConcurrencyLimitBody = z.infer<typeof CreateConcurrencyLimitBody>;

/** PATCH /api/concurrency-limits/{name}: any of the fields. */
export const PatchConcurrencyLimitBody = z
  .object({
    limit: limitValue.optional(),
    active: z.boolean().optional(),
    slotDecayPerSecond: decay.optional(),
  })
  .strict();
/** The body of PATCH /api/concurrency-limits/{name}. */
export type PatchConcurrencyLimitBody = z.infer<typeof PatchConcurrencyLimitBody>;

/** A deployment's collision strategy on the wire. */
export const CollisionStrategySchema = z.enum(["ENQUEUE", "CANCEL_NEW"]);

export { waitingLimitOf, waitingMessage } from "../runtime/limits/messages.ts";
