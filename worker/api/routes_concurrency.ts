/**
 * /api/concurrency-limits: tag limits, named limits, rate limits and the limits Weir declares
 * for deployments and flows. D1's `concurrency_limits` catalogue lists them; each limit's
 * Durable Object (worker/limits/) is the source of truth for its configuration, holders and
 * waiters, so every route goes through its RPC. Names with a reserved prefix
 * (`deployment:`, `flow:`) cannot be created here, but can be read, changed, reset and deleted.
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type ConcurrencyLimit,
  CreateConcurrencyLimitBody,
  PatchConcurrencyLimitBody,
  RESERVED_LIMIT_PREFIXES,
} from "../../protocol/concurrency.ts";
import type { WeirEnv } from "../env.ts";
import { limitObject } from "../limits/rpc.ts";
import { mapBounded } from "./bounded.ts";
import {
  ConcurrencyLimitSchema,
  LimitNameParam,
  limitResponse,
  limitWire,
} from "./concurrency_schemas.ts";
import { ApiError } from "./errors.ts";
import { errors } from "./schemas.ts";

type App = OpenAPIHono<{ Bindings: WeirEnv }>;

/** How many limit objects the list asks for their holders at once. */
const VIEWS_IN_FLIGHT = 16;

/** A row of D1's `concurrency_limits`. */
interface CatalogueRow {
  readonly name: string;
  readonly limit_value: number;
  readonly active: number;
  readonly slot_decay_per_second: number;
  readonly created_at: number;
  readonly updated_at: number;
}

function notFound(name: string): ApiError {
  return new ApiError(
    "not_found",
    `No concurrency limit named '${name}'; create it with POST /api/concurrency-limits (a tag limit is named after its tag)`,
  );
}

/** The catalogue row as a limit, for a row whose object no longer knows it. */
function fromRow(row: CatalogueRow): ConcurrencyLimit {
  return {
    name: row.name,
    limit: row.limit_value,
    active: row.active !== 0,
    slotDecayPerSecond: row.slot_decay_per_second,
    slotsHeld: 0,
    holders: [],
    waiters: [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Every limit in the catalogue, sorted by name, each with its object's holders and waiters.
 *
 * @example
 * ```ts
 * const limits = await listLimits(env);
 * ```
 */
export async function listLimits(env: WeirEnv): Promise<ConcurrencyLimit[]> {
  const { results } = await env.DB.prepare(
    "SELECT * FROM concurrency_limits ORDER BY name",
  ).all<CatalogueRow>();
  return mapBounded(
    results,
    VIEWS_IN_FLIGHT,
    async (row) => (await limitObject(env, row.name).view()) ?? fromRow(row),
  );
}

/**
 * Registers the concurrency limit routes.
 *
 * @example
 * ```ts
 * concurrencyRoutes(app);
 * ```
 */
export function concurrencyRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/concurrency-limits",
      summary: "List concurrency limits, sorted by name, with their holders and waiters",
      responses: {
        200: {
          description: "The limits",
          content: {
            "application/json": { schema: z.object({ limits: z.array(ConcurrencyLimitSchema) }) },
          },
        },
        ...errors(401),
      },
    }),
    async (c) => c.json({ limits: (await listLimits(c.env)).map(limitWire) }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/concurrency-limits",
      summary: "Create a concurrency limit (a tag limit is named after its tag)",
      description:
        "`limit` slots (0 admits nothing); `slotDecayPerSecond` above 0 makes a rate limit, whose slots free themselves at that rate after use. 409 when the name exists. Names starting with `deployment:` or `flow:` are Weir's own (422).",
      request: {
        body: {
          content: { "application/json": { schema: CreateConcurrencyLimitBody } },
          required: true,
        },
      },
      responses: { 201: limitResponse("Created"), ...errors(400, 401, 409, 413, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const reserved = RESERVED_LIMIT_PREFIXES.find((prefix) => body.name.startsWith(prefix));
      if (reserved !== undefined) {
        throw new ApiError(
          "invalid_value",
          `Names starting with '${reserved}' are reserved for the limits Weir declares (a deployment's concurrencyLimit, a flow's concurrency option); choose another name`,
          "name",
        );
      }
      const object = limitObject(c.env, body.name);
      if ((await object.view()) !== undefined) {
        throw new ApiError(
          "conflict",
          `A concurrency limit named '${body.name}' already exists; change it with PATCH /api/concurrency-limits/{name}`,
          "name",
        );
      }
      const created = await object.configure({ ...body, create: true });
      if (created === undefined) throw notFound(body.name);
      return c.json(limitWire(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/concurrency-limits/{name}",
      summary: "A concurrency limit, with its holders (lease expiry) and waiters in order",
      request: { params: LimitNameParam },
      responses: { 200: limitResponse("The limit"), ...errors(400, 401, 404, 422) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const view = await limitObject(c.env, name).view();
      if (view === undefined) throw notFound(name);
      return c.json(limitWire(view), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/concurrency-limits/{name}",
      summary: "Change a concurrency limit",
      description:
        "Any of `limit`, `active`, `slotDecayPerSecond`. Raising the limit admits waiters at once; lowering it lets holders finish. An inactive limit admits everyone.",
      request: {
        params: LimitNameParam,
        body: {
          content: { "application/json": { schema: PatchConcurrencyLimitBody } },
          required: true,
        },
      },
      responses: { 200: limitResponse("The limit"), ...errors(400, 401, 404, 413, 422) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const changed = await limitObject(c.env, name).configure({ ...c.req.valid("json"), name });
      if (changed === undefined) throw notFound(name);
      return c.json(limitWire(changed), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/concurrency-limits/{name}",
      summary: "Delete a concurrency limit: everyone waiting for it is admitted",
      description:
        "A limit Weir declares (a deployment's, a flow's) is declared again by the next run that uses it.",
      request: { params: LimitNameParam },
      responses: {
        200: {
          description: "Deleted",
          content: {
            "application/json": {
              schema: z.object({
                name: z.string(),
                deleted: z.literal(true),
                admitted: z.number(),
              }),
            },
          },
        },
        ...errors(400, 401, 404, 413, 422),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const { removed, admitted } = await limitObject(c.env, name).remove();
      if (!removed) throw notFound(name);
      return c.json({ name, deleted: true as const, admitted }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/concurrency-limits/{name}/reset",
      summary: "Free every slot of a concurrency limit, then admit its waiters in order",
      description:
        "Holders lose their leases (their runs go on; they no longer count), decaying slots are freed.",
      request: { params: LimitNameParam },
      responses: { 200: limitResponse("The limit"), ...errors(400, 401, 404, 413, 422) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const reset = await limitObject(c.env, name).reset();
      if (reset === undefined) throw notFound(name);
      return c.json(limitWire(reset), 200);
    },
  );
}
