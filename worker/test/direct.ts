/**
 * Calls to the Worker under test without `SELF.fetch`: the test app's fetch handler is called
 * directly with an env (so a test can set WEIR_API_TOKEN) and an execution context it waits
 * on. The fuzzer sends thousands of requests, and under @cloudflare/vitest-pool-workers each
 * `SELF.fetch` gets slower the more were sent before it in the same file (cloudflare/workers-sdk
 * issue 15446: 100 health checks took 0.3 s, the next 100 0.8 s, the next 1.9 s); a direct call
 * stays flat.
 *
 * @module
 */

import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { expect } from "vitest";
import type { WeirEnv } from "../env.ts";
import { ORIGIN, type Run, stubOf, testEnv } from "./helpers.ts";
import worker from "./test_app.ts";

const handler = worker.fetch as unknown as (
  request: Request,
  env: WeirEnv,
  ctx: ExecutionContext,
) => Promise<Response>;

/** Sends a request to the Worker (the open API unless `env` says otherwise). */
export async function send(
  path: string,
  init: RequestInit = {},
  env: WeirEnv = testEnv,
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await handler(new Request(`${ORIGIN}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Sends a JSON body with POST. */
export function sendJson(path: string, body: unknown, env: WeirEnv = testEnv): Promise<Response> {
  return send(
    path,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    env,
  );
}

/** Creates a run of a flow on the open API and returns it. */
export async function newRun(flow: string, body: Record<string, unknown> = {}): Promise<Run> {
  const res = await sendJson(`/api/flows/${flow}/runs`, body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as Run;
}

/** Fires the run's alarm while it is due by the (fake) clock; resolves to the run. */
export async function settleRun(runId: string, max = 50): Promise<Run> {
  for (let i = 0; i < max; i++) {
    const at = await runInDurableObject(stubOf(runId), (_o, state) => state.storage.getAlarm());
    if (at === null || at > Date.now()) break;
    await runDurableObjectAlarm(stubOf(runId));
  }
  const res = await send(`/api/runs/${runId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Run;
}

/**
 * What a run's object stores: the alarm and the row count of each of its tables (journal,
 * logs, outbox, meta...), so a test sees an event or state kept even where the API shows none.
 */
export async function storedState(runId: string): Promise<Record<string, number | null>> {
  return runInDurableObject(stubOf(runId), async (_o, state) => {
    const out: Record<string, number | null> = { alarm: await state.storage.getAlarm() };
    const tables = state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray();
    for (const { name } of tables) {
      out[`rows:${name}`] = state.storage.sql
        .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`)
        .one().n;
    }
    return out;
  });
}

/** GET /api/runs `count` (with the env's token, if it has one). */
export async function runCount(env: WeirEnv = testEnv): Promise<number> {
  const token = env.WEIR_API_TOKEN;
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await send("/api/runs", { headers }, env);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { count: number }).count;
}

/** The error body every 4xx must be: exactly `{ error: { code, message, field? } }`. */
export function expectErrorBody(
  text: string,
  label: string,
): { code: string; message: string; field?: string } {
  let body: unknown;
  expect(() => {
    body = JSON.parse(text);
  }, `${label}: error body is JSON`).not.toThrow();
  expect(Object.keys(body as object), `${label}: only 'error' at the top`).toEqual(["error"]);
  const error = (body as { error: Record<string, unknown> }).error;
  expect(typeof error.code, `${label}: error.code`).toBe("string");
  expect(typeof error.message, `${label}: error.message`).toBe("string");
  if ("field" in error) expect(typeof error.field, `${label}: error.field`).toBe("string");
  for (const key of Object.keys(error)) expect(["code", "message", "field"], label).toContain(key);
  expect(text, `${label}: no stack trace`).not.toMatch(STACK_TRACE);
  return error as { code: string; message: string; field?: string };
}

/** What a leaked stack trace or source path looks like. */
export const STACK_TRACE =
  /\n\s+at\s|\bat\s+\S+\s+\(\S+:\d+:\d+\)|\.(?:ts|js|mjs):\d+:\d+|node_modules\//;
