/**
 * The zod schemas of the remote-run routes (protocol/remote_run.ts): journal entries and log
 * lines on the wire, checked field by field so a malformed append is a 400 or 422 naming the
 * field (`entries.3.state.type`), never a 500, and nothing of it is stored.
 *
 * Every variant of the runtime's `JournalEntry` has its schema; values (parameters, results,
 * payloads) are JSON held to the API's limits, and names and tags are labels.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import {
  MAX_APPEND_ENTRIES,
  MAX_APPEND_LOGS,
  MAX_REMOTE_LEASE_MS,
  MIN_REMOTE_LEASE_MS,
} from "../../protocol/remote_run.ts";
import { StateSchema } from "../../protocol/state.ts";
import { LogLevel } from "../../runtime/host.ts";
import { StepKind } from "../../runtime/journal.ts";
import { CollisionStrategy } from "../../runtime/limits/port.ts";
import { boundedJson, INVALID_VALUE, jsonProblem, label } from "./limits.ts";

/** A name (flow, task, run, event) or a tag, as everywhere in the API. */
const name = () => label(200);
const tag = () => label(100);
/** An epoch-ms time as the engine wrote it (a sleep may end past any alarm's range). */
const time = () => z.number();
/** A step id, an event id, a holder: short labels. */
const id = () => label(200);

/** JSON held to the API's limits (depth, size). */
const Encoded = boundedJson()
  .refine((value) => value !== undefined, { message: "is required" })
  .openapi({ description: "JSON, as the runtime's codec encodes it" });

const ResultRefSchema = z.object({ store: z.literal("results"), key: label(512) }).strict();

/** A serialized error: its `cause` and `data` are JSON, held to the limits as a whole. */
const SerializedErrorSchema = z
  .object({
    name: z.string().max(1_000),
    message: z.string().max(100_000),
    stack: z.string().max(100_000).optional(),
    cause: boundedJson().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", message: problem, params: INVALID_VALUE });
  });

const RunSlotSchema = z
  .object({
    limit: label(300),
    max: z.number().int().min(0),
    strategy: z.enum(Object.values(CollisionStrategy) as [string, ...string[]]),
  })
  .strict();

const RunInfoSchema = z
  .object({
    id: z.string().max(200),
    flowName: name(),
    flowVersion: z.string().max(200).optional(),
    name: name(),
    parameters: Encoded,
    tags: z.array(tag()).max(50),
    parentRunId: z.string().max(200).optional(),
    parentStepId: z.string().max(200).optional(),
    scheduledAt: time().optional(),
    seed: z.number(),
    slots: z.array(RunSlotSchema).max(50).optional(),
  })
  .strict();

const entry = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) =>
  z.object({ type: z.literal(type), at: time(), ...shape }).strict();

/**
 * One journal entry on the wire: every variant of the runtime's `JournalEntry`.
 *
 * @example
 * ```ts
 * JournalEntrySchema.parse({ type: "run.cancel", at: Date.now(), reason: "user" });
 * ```
 */
export const JournalEntrySchema = z
  .discriminatedUnion("type", [
    entry("run.created", { run: RunInfoSchema }),
    entry("run.state", { state: StateSchema }),
    entry("run.cancel", { reason: z.string().max(10_000) }),
    entry("run.retry", { attempt: z.number().int().min(0) }),
    entry("run.finished", {
      value: Encoded.optional(),
      ref: ResultRefSchema.optional(),
      error: SerializedErrorSchema.optional(),
    }),
    entry("step.started", {
      stepId: id(),
      kind: z.enum(Object.values(StepKind) as [string, ...string[]]),
      name: name(),
      runName: name(),
      attempt: z.number().int().min(0),
      state: StateSchema,
      wakeAt: time().optional(),
      childRunId: z.string().max(200).optional(),
      tags: z.array(tag()).max(50).optional(),
      inputs: z.array(id()).max(1_000).optional(),
    }),
    entry("step.completed", {
      stepId: id(),
      state: StateSchema,
      value: Encoded.optional(),
      ref: ResultRefSchema.optional(),
      cacheKey: label(512).optional(),
      eventId: id().optional(),
      winner: z.number().int().min(0).optional(),
    }),
    entry("step.failed", {
      stepId: id(),
      state: StateSchema,
      error: SerializedErrorSchema,
      attempt: z.number().int().min(0),
      retryAt: time().optional(),
    }),
    entry("event.received", { eventId: id(), name: name(), payload: Encoded }),
  ])
  .openapi("JournalEntry");

/**
 * A log line on the wire (the runtime's `LogRecord`).
 *
 * @example
 * ```ts
 * LogRecordSchema.parse({ runId, source: "weir.engine", level: "INFO", message: "hi", timestamp: 0 });
 * ```
 */
export const LogRecordSchema = z
  .object({
    runId: z.string().max(200),
    stepId: id().optional(),
    source: z.string().min(1).max(500),
    level: z.enum(Object.keys(LogLevel) as [keyof typeof LogLevel, ...(keyof typeof LogLevel)[]]),
    message: z.string().max(100_000),
    timestamp: time(),
  })
  .strict()
  .openapi("LogRecord");

const Ttl = z.number().int().min(MIN_REMOTE_LEASE_MS).max(MAX_REMOTE_LEASE_MS);
const Epoch = z.number().int().min(1);
const Holder = label(200);
const Entries = z.array(JournalEntrySchema).max(MAX_APPEND_ENTRIES);
const Logs = z.array(LogRecordSchema).max(MAX_APPEND_LOGS);

/** POST /api/remote-runs. */
export const StartRemoteRunSchema = z
  .object({
    runId: z
      .uuid()
      .refine((v) => v === v.toLowerCase(), { message: "must be a lowercase UUID" })
      .openapi({ example: "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b" }),
    flowName: name(),
    holder: Holder,
    ttlMs: Ttl.optional(),
    entries: Entries.min(1),
    logs: Logs.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const first = body.entries[0];
    if (first === undefined) return;
    if (first.type !== "run.created") {
      ctx.addIssue({
        code: "custom",
        path: ["entries", 0, "type"],
        message: "The first entry must be the run's run.created (see runCreation)",
        params: INVALID_VALUE,
      });
      return;
    }
    if (first.run.id !== body.runId) {
      ctx.addIssue({
        code: "custom",
        path: ["entries", 0, "run", "id"],
        message: `must equal runId '${body.runId}'`,
        params: INVALID_VALUE,
      });
    }
    if (first.run.flowName !== body.flowName) {
      ctx.addIssue({
        code: "custom",
        path: ["entries", 0, "run", "flowName"],
        message: `must equal flowName '${body.flowName}'`,
        params: INVALID_VALUE,
      });
    }
  })
  .openapi("StartRemoteRun");

/** POST /api/runs/{id}/lease. */
export const ClaimLeaseSchema = z
  .object({ holder: Holder, ttlMs: Ttl.optional() })
  .strict()
  .openapi("ClaimLease");

/** POST /api/runs/{id}/lease/renew and /release. */
export const LeaseBodySchema = z
  .object({ epoch: Epoch, ttlMs: Ttl.optional() })
  .strict()
  .openapi("LeaseBody");

/** POST /api/runs/{id}/journal. */
export const AppendSchema = z
  .object({ epoch: Epoch, entries: Entries, logs: Logs.optional() })
  .strict()
  .openapi("AppendBody");

export const RunLeaseSchema = z
  .object({ runId: z.string(), holder: z.string(), epoch: z.number(), expiresAt: z.number() })
  .openapi("RunLease");

export const LeaseStateSchema = z
  .object({ lease: RunLeaseSchema, cancelRequested: z.boolean(), length: z.number() })
  .openapi("LeaseState");

export const RemoteRunStartedSchema = z
  .object({ lease: RunLeaseSchema, created: z.boolean() })
  .openapi("RemoteRunStarted");

export const ReleasedSchema = z.object({ released: z.boolean() }).openapi("LeaseReleased");

export const JournalPageSchema = z
  .object({ entries: z.array(z.record(z.string(), z.unknown())) })
  .openapi("JournalPage");

/** A cache or result key in the path: a label, URL-encoded. */
export const KeyParam = z.object({
  key: label(512).openapi({ param: { name: "key", in: "path" }, example: "fetch-fact/3f2a" }),
});

/** PUT /api/cache/{key}: the runtime's `CacheEntry`. */
export const CacheEntrySchema = z
  .object({ value: Encoded, createdAt: time(), expiresAt: time().optional() })
  .strict()
  .openapi("CacheEntry");

export const CacheReadSchema = z
  .object({
    entry: z
      .object({ value: z.unknown(), createdAt: z.number(), expiresAt: z.number().optional() })
      .nullable(),
  })
  .openapi("CacheRead");

/** PUT /api/results/{key}. */
export const ResultWriteSchema = z.object({ value: Encoded }).strict().openapi("ResultWrite");

export const ResultReadSchema = z.object({ value: z.unknown() }).openapi("ResultRead");

export const StoredSchema = z.object({ ok: z.literal(true) }).openapi("Stored");
