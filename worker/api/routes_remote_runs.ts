/**
 * Runs executed outside the Worker (protocol/remote_run.ts): starting one, its lease, its
 * journal, and the cache and result ports a remote process uses. The run's Durable Object is
 * the source of truth and refuses a write whose lease is stale or expired (409 `lease_lost`).
 *
 * @module
 */

import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { Encoded, JournalEntry, LogRecord } from "../../runtime/host.ts";
import type { WeirEnv } from "../env.ts";
import type { RemoteAnswer } from "../remote_run.ts";
import { runObject } from "../rpc.ts";
import { D1CacheStore } from "../storage/d1_cache.ts";
import { R2ResultStore } from "../storage/r2_results.ts";
import { ApiError } from "./errors.ts";
import {
  AppendSchema,
  CacheEntrySchema,
  CacheReadSchema,
  ClaimLeaseSchema,
  JournalPageSchema,
  KeyParam,
  LeaseBodySchema,
  LeaseStateSchema,
  ReleasedSchema,
  RemoteRunStartedSchema,
  ResultReadSchema,
  ResultWriteSchema,
  RunLeaseSchema,
  StartRemoteRunSchema,
  StoredSchema,
} from "./remote_schemas.ts";
import { errors, RunIdParam } from "./schemas.ts";

type App = OpenAPIHono<{ Bindings: WeirEnv }>;

/** R2 keys are at most 1024 bytes of UTF-8. */
const MAX_RESULT_KEY_BYTES = 1024;

function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

function body<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

/** The value of an answer, or the API error for its refusal. */
function answered<T>(answer: RemoteAnswer<T>, id: string): T {
  if (answer.ok) return answer.value;
  switch (answer.code) {
    case "not_found":
      throw new ApiError("not_found", `No run with id '${id}'`);
    case "invalid":
      throw new ApiError(
        "invalid_value",
        `Invalid field '${answer.field}': ${answer.message}`,
        answer.field,
      );
    default:
      throw new ApiError(answer.code, answer.message);
  }
}

function resultKey(key: string): string {
  if (new TextEncoder().encode(key).length > MAX_RESULT_KEY_BYTES) {
    throw new ApiError(
      "invalid_value",
      `A result key takes at most ${MAX_RESULT_KEY_BYTES} bytes of UTF-8`,
      "key",
    );
  }
  return key;
}

/**
 * Registers the remote-run, cache and result routes.
 *
 * @example
 * ```ts
 * remoteRunRoutes(app);
 * ```
 */
export function remoteRunRoutes(app: App): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/remote-runs",
      summary: "Start a run executed outside the Worker, and take its lease",
      description:
        "Creates the run from the caller's creation entries (the first is its run.created, for this runId and flowName; the flow need not be registered here) and gives the caller the lease at epoch 1. Idempotent by runId for the same holder (200); 409 lease_held while another holder's lease is live.",
      request: { body: body(StartRemoteRunSchema) },
      responses: {
        200: json(RemoteRunStartedSchema, "The run existed; the caller holds its lease"),
        201: json(RemoteRunStartedSchema, "The run was created; the caller holds its lease"),
        ...errors(400, 401, 409, 413, 422),
      },
    }),
    async (c) => {
      const request = c.req.valid("json");
      const answer = await runObject(c.env, request.runId).startRemote({
        ...request,
        entries: request.entries as JournalEntry[],
        logs: request.logs as LogRecord[] | undefined,
      });
      const started = answered(answer, request.runId);
      return c.json(started, started.created ? 201 : 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/lease",
      summary: "Take the lease of a remote run whose lease is free or expired (epoch + 1)",
      request: { params: RunIdParam, body: body(ClaimLeaseSchema) },
      responses: {
        200: json(RunLeaseSchema, "The caller holds the lease"),
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { holder, ttlMs } = c.req.valid("json");
      return c.json(answered(await runObject(c.env, id).claimLease(holder, ttlMs), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/lease/renew",
      summary: "Extend a remote run's lease; says whether cancellation was requested",
      request: { params: RunIdParam, body: body(LeaseBodySchema) },
      responses: {
        200: json(LeaseStateSchema, "The lease, extended"),
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { epoch, ttlMs } = c.req.valid("json");
      return c.json(answered(await runObject(c.env, id).renewLease(epoch, ttlMs), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/lease/release",
      summary: "Give a remote run's lease back (harmless when it is already lost)",
      request: { params: RunIdParam, body: body(LeaseBodySchema) },
      responses: {
        200: json(ReleasedSchema, "Whether the lease was still held"),
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { epoch } = c.req.valid("json");
      return c.json(answered(await runObject(c.env, id).releaseLease(epoch), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/runs/{id}/journal",
      summary: "A run's journal entries, in order (for a remote process to resume it)",
      request: { params: RunIdParam },
      responses: {
        200: json(JournalPageSchema, "The entries"),
        ...errors(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const entries = await runObject(c.env, id).journalEntries();
      if (entries === undefined) throw new ApiError("not_found", `No run with id '${id}'`);
      return c.json({ entries: entries as unknown as Record<string, unknown>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/runs/{id}/journal",
      summary: "Append journal entries and log lines to a remote run, under its lease",
      description:
        "Atomic: every entry and line is stored, or none. Extends the lease. 409 lease_lost when the epoch is stale or its lease expired; a malformed entry is refused naming its field (entries.3.state.type).",
      request: { params: RunIdParam, body: body(AppendSchema) },
      responses: {
        200: json(LeaseStateSchema, "Stored; the lease as it now is"),
        ...errors(400, 401, 404, 409, 413, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { epoch, entries, logs } = c.req.valid("json");
      const answer = await runObject(c.env, id).appendRemote(
        epoch,
        entries as JournalEntry[],
        logs as LogRecord[] | undefined,
      );
      return c.json(answered(answer, id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/cache/{key}",
      summary: "A task cache entry (the cache port of a remote process)",
      request: { params: KeyParam },
      responses: {
        200: json(CacheReadSchema, "The entry, or null"),
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = await new D1CacheStore(c.env.DB).get(key);
      return c.json({ entry: entry ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/cache/{key}",
      summary: "Store a task cache entry",
      request: { params: KeyParam, body: body(CacheEntrySchema) },
      responses: {
        200: json(StoredSchema, "Stored"),
        ...errors(400, 401, 413, 422),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const entry = c.req.valid("json");
      await new D1CacheStore(c.env.DB).set(key, {
        value: entry.value as Encoded,
        createdAt: entry.createdAt,
        ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
      });
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/cache/{key}",
      summary: "Delete a task cache entry (harmless when there is none)",
      request: { params: KeyParam },
      responses: {
        200: json(StoredSchema, "Deleted"),
        ...errors(400, 401, 413, 422),
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      await new D1CacheStore(c.env.DB).delete(key);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/results/{key}",
      summary: "A persisted result (the result port of a remote process)",
      request: { params: KeyParam },
      responses: {
        200: json(ResultReadSchema, "The value, or null"),
        ...errors(400, 401, 422),
      },
    }),
    async (c) => {
      const key = resultKey(c.req.valid("param").key);
      const value = await new R2ResultStore(c.env.RESULTS).get(key);
      return c.json({ value: value ?? null }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/results/{key}",
      summary: "Store a persisted result",
      request: { params: KeyParam, body: body(ResultWriteSchema) },
      responses: {
        200: json(StoredSchema, "Stored"),
        ...errors(400, 401, 413, 422),
      },
    }),
    async (c) => {
      const key = resultKey(c.req.valid("param").key);
      const { value } = c.req.valid("json");
      await new R2ResultStore(c.env.RESULTS).put(key, value as Encoded);
      return c.json({ ok: true as const }, 200);
    },
  );
}
