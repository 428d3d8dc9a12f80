/**
 * /api/runs: listing runs from the D1 index, and reading and steering one run through its
 * Durable Object (the source of truth).
 *
 * @module
 */

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { WeirEnv } from "../env.ts";
import type { RunChange } from "../rpc.ts";
import { runObject } from "../rpc.ts";
import { ApiError } from "./errors.ts";
import { label } from "./limits.ts";
import { LIVE_PROTOCOL, offeredProtocols } from "./live_protocol.ts";
import { type RunRow, runSummaryOf } from "./run_rows.ts";
import {
  CancelBody,
  EventBody,
  errors,
  ListRunsQuery,
  LogsQuery,
  RunIdParam,
  RunSchema,
  RunSummarySchema,
  toEpochMs,
} from "./schemas.ts";

type App = OpenAPIHono<{ Bindings: WeirEnv }>;

function runStub(env: WeirEnv, id: string) {
  return runObject(env, id);
}

function changed(change: RunChange, id: string): Record<string, unknown> {
  if (change.ok) return change.run as unknown as Record<string, unknown>;
  throw new ApiError(
    change.code,
    change.code === "not_found" ? `No run with id '${id}'` : change.message,
  );
}

function encodeCursor(row: RunRow): string {
  return btoa(JSON.stringify([row.created_at, row.id])).replace(/=+$/, "");
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
 * Registers the run routes.
 *
 * @example
 * ```ts
 * runRoutes(app);
 * ```
 */
export function runRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs",
      summary: "List runs, newest first",
      description:
        "Filters by flow, deployment, state type, tag and creation time; pages with an opaque cursor. Read from the D1 index, which follows each run's Durable Object through an outbox (a run appears there shortly after it changes).",
      request: { query: ListRunsQuery },
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
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const where: string[] = [];
      const binds: unknown[] = [];
      if (q.flow !== undefined) {
        where.push("flow_name = ?");
        binds.push(q.flow);
      }
      if (q.deployment !== undefined) {
        where.push("deployment_id = ?");
        binds.push(q.deployment);
      }
      if (q.state !== undefined) {
        where.push("state_type = ?");
        binds.push(q.state);
      }
      if (q.tag !== undefined) {
        where.push("EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?)");
        binds.push(q.tag);
      }
      if (q.since !== undefined) {
        where.push("created_at >= ?");
        binds.push(toEpochMs(q.since));
      }
      if (q.until !== undefined) {
        where.push("created_at < ?");
        binds.push(toEpochMs(q.until));
      }
      const filter = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
      const pageWhere = [...where];
      const pageBinds = [...binds];
      if (q.cursor !== undefined) {
        const [createdAt, id] = decodeCursor(q.cursor);
        pageWhere.push("(created_at < ? OR (created_at = ? AND id < ?))");
        pageBinds.push(createdAt, createdAt, id);
      }
      const pageFilter = pageWhere.length === 0 ? "" : `WHERE ${pageWhere.join(" AND ")}`;
      const [page, total] = await c.env.DB.batch([
        c.env.DB.prepare(
          `SELECT * FROM runs ${pageFilter} ORDER BY created_at DESC, id DESC LIMIT ?`,
        ).bind(...pageBinds, q.limit + 1),
        c.env.DB.prepare(`SELECT COUNT(*) AS n FROM runs ${filter}`).bind(...binds),
      ]);
      const rows = (page?.results ?? []) as RunRow[];
      const more = rows.length > q.limit;
      const shown = rows.slice(0, q.limit);
      const last = shown[shown.length - 1];
      return c.json(
        {
          runs: shown.map(runSummaryOf),
          count: ((total?.results?.[0] as { n?: number } | undefined)?.n ?? 0) as number,
          nextCursor: more && last !== undefined ? encodeCursor(last) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/{id}",
      summary: "A run: state and history, parameters, result, task runs, subflow runs",
      request: { params: RunIdParam },
      responses: {
        200: { description: "The run", content: { "application/json": { schema: RunSchema } } },
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const run = await runStub(c.env, id).view();
      if (run === undefined) throw new ApiError("not_found", `No run with id '${id}'`);
      return c.json(run as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/{id}/logs",
      summary: "A run's log lines after a cursor, at or above a level",
      request: { params: RunIdParam, query: LogsQuery },
      responses: {
        200: {
          description: "Log lines, oldest first; pass the last cursor as `after` for more",
          content: {
            "application/json": {
              schema: z.object({
                logs: z.array(z.record(z.string(), z.unknown())),
                nextCursor: z.number(),
              }),
            },
          },
        },
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const stub = runStub(c.env, id);
      const logs = await stub.logs({ after: q.after, minLevel: q.level, limit: q.limit });
      if (logs.length === 0 && (await stub.view()) === undefined) {
        throw new ApiError("not_found", `No run with id '${id}'`);
      }
      const last = logs[logs.length - 1];
      return c.json(
        {
          logs: logs as unknown as Record<string, unknown>[],
          nextCursor: last === undefined ? q.after : last.cursor,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/{id}/graph",
      summary: "The run's graph: task runs and subflows as nodes, data and grouping as edges",
      request: { params: RunIdParam },
      responses: {
        200: {
          description: "Nodes and edges",
          content: {
            "application/json": {
              schema: z.object({
                nodes: z.array(z.record(z.string(), z.unknown())),
                edges: z.array(z.object({ from: z.string(), to: z.string(), kind: z.string() })),
              }),
            },
          },
        },
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const graph = await runStub(c.env, id).graph();
      if (graph === undefined) throw new ApiError("not_found", `No run with id '${id}'`);
      return c.json(
        { nodes: graph.nodes as unknown as Record<string, unknown>[], edges: [...graph.edges] },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/cancel",
      summary: "Cancel a run: Cancelling, running tasks' signals abort, then Cancelled",
      request: {
        params: RunIdParam,
        body: { content: { "application/json": { schema: CancelBody } }, required: false },
      },
      responses: {
        200: { description: "The run", content: { "application/json": { schema: RunSchema } } },
        ...errors(400, 401, 404, 409, 413),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const change = await runStub(c.env, id).cancel(reason ?? "Cancelled through the API");
      return c.json(changed(change, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/retry",
      summary: "Run a failed run again from its failed step, keeping completed steps",
      request: { params: RunIdParam },
      responses: {
        200: { description: "The run", content: { "application/json": { schema: RunSchema } } },
        ...errors(400, 401, 404, 409, 413),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(changed(await runStub(c.env, id).retry(), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/events/{name}",
      summary: "Send an event to a run (for waitForEvent); kept if the run is not waiting yet",
      request: {
        params: RunIdParam.extend({
          name: label(200).openapi({ param: { name: "name", in: "path" }, example: "approved" }),
        }),
        body: { content: { "application/json": { schema: EventBody } }, required: false },
      },
      responses: {
        200: { description: "The run", content: { "application/json": { schema: RunSchema } } },
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const { id, name } = c.req.valid("param");
      const { payload } = c.req.valid("json");
      return c.json(changed(await runStub(c.env, id).sendEvent(name, payload ?? null), id), 200);
    },
  );
}

/**
 * The live feed of a run's journal and logs over a WebSocket (hibernating on the run's
 * Durable Object, so an idle watcher costs nothing).
 *
 * @example
 * ```ts
 * const ws = new WebSocket(`wss://host/api/runs/${id}/live`);
 * ```
 */
export function liveRoute(app: App): void {
  app.get("/api/runs/:id/live", async (c) => {
    const parsed = RunIdParam.safeParse({ id: c.req.param("id") });
    if (!parsed.success) throw new ApiError("bad_request", "The run id must be a UUID", "id");
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(
        "bad_request",
        "This endpoint needs a WebSocket upgrade (Upgrade: websocket)",
      );
    }
    const offered = offeredProtocols(c.req.header("Sec-WebSocket-Protocol"));
    if (offered.length > 0 && !offered.includes(LIVE_PROTOCOL)) {
      throw new ApiError(
        "bad_request",
        `This WebSocket speaks the '${LIVE_PROTOCOL}' subprotocol; offer it or offer none`,
      );
    }
    const stub = runStub(c.env, parsed.data.id);
    if ((await stub.view()) === undefined) {
      throw new ApiError("not_found", `No run with id '${parsed.data.id}'`);
    }
    // The run's object gets the upgrade without the subprotocols: one of them may carry the
    // token, which has done its work here and goes no further.
    const headers = new Headers(c.req.raw.headers);
    headers.delete("Sec-WebSocket-Protocol");
    headers.delete("Authorization");
    const upgraded = await stub.fetch(new Request(c.req.raw.url, { headers }));
    if (offered.length === 0 || upgraded.webSocket === null) return upgraded;
    // A browser that offered subprotocols drops the socket unless one is chosen; never echo
    // the token's.
    return new Response(null, {
      status: upgraded.status,
      webSocket: upgraded.webSocket,
      headers: { "Sec-WebSocket-Protocol": LIVE_PROTOCOL },
    });
  });
  // Documented by hand: a WebSocket upgrade has no JSON response for the validator to check.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/api/runs/{id}/live",
    summary: "Watch a run live over a WebSocket: a snapshot, then journal entries and log lines",
    description:
      'Needs `Upgrade: websocket`. The first message is `{ type: "snapshot", run }`; then `{ type: "journal", runId, entries }` and `{ type: "log", log }` as the run changes. Send `snapshot` for a fresh snapshot, `ping` for `pong`. Browsers, which cannot set an Authorization header on a WebSocket, offer the subprotocols `weir.live.v1` and `weir.bearer.<the token as unpadded base64url>`; the server answers with `weir.live.v1`.',
    request: { params: RunIdParam },
    responses: {
      101: { description: "Switching to the WebSocket protocol" },
      ...errors(400, 401, 404),
    },
  });
}
