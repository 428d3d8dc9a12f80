/**
 * Helpers for the Worker tests: API calls, driving a run's Durable Object alarm, reading the
 * execution counters, and a controllable clock.
 *
 * Time: the Worker under test runs in the tests' isolate, so faking `Date` (and only `Date`)
 * moves the clock the flow-run objects read. {@link useFakeTime} sets it a day ahead of the
 * real clock: every alarm an object sets is then a day in workerd's future, so none fires by
 * itself, and a test fires them with `runDurableObjectAlarm` when it has moved the fake clock
 * past them. Nothing ever waits on real time.
 *
 * @module
 */

import {
  listDurableObjectIds,
  runDurableObjectAlarm,
  runInDurableObject,
  SELF,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, vi } from "vitest";
import type { WeirEnv } from "../env.ts";
import type { FlowRunObject } from "../flow_run.ts";
import type { RunDetail } from "../run_detail.ts";

export const testEnv = env as unknown as WeirEnv;

export const ORIGIN = "https://weir.test";

/** A UUID no test ever creates a run with. */
export const UNKNOWN_RUN = "0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b";

export function api(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, init);
}

export function post(
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  // Without a body, no content type either (an empty body claimed as JSON is malformed).
  return api(path, {
    method: "POST",
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
): Promise<T> {
  return (await (await res).json()) as T;
}

/** The API's error shape. */
export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Asserts the response is the JSON error the API promises, and returns it. */
export async function expectError(
  res: Response | Promise<Response>,
  status: number,
  code: string,
  field?: string,
): Promise<ApiErrorBody["error"]> {
  const response = await res;
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get("content-type") ?? "").toContain("application/json");
  const body = JSON.parse(text) as ApiErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(10);
  if (field === undefined) expect(body.error.field).toBeUndefined();
  else expect(body.error.field).toBe(field);
  return body.error;
}

/** A run as GET /api/runs/{id} answers it. */
export type Run = RunDetail & { state: NonNullable<RunDetail["state"]> };

export async function createRun(flow: string, body: Record<string, unknown> = {}): Promise<Run> {
  const res = await post(`/api/flows/${flow}/runs`, body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as Run;
}

export async function getRun(id: string): Promise<Run> {
  const res = await api(`/api/runs/${id}`);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Run;
}

export function stubOf(runId: string): DurableObjectStub<FlowRunObject> {
  return testEnv.FLOW_RUNS.get(
    testEnv.FLOW_RUNS.idFromName(runId),
  ) as unknown as DurableObjectStub<FlowRunObject>;
}

/** The time the run's object alarm is set for, or null. */
export function alarmOf(runId: string): Promise<number | null> {
  return runInDurableObject(stubOf(runId), (_instance, state) => state.storage.getAlarm());
}

/** Fires the run's alarm now (whatever time it is set for); false when none is set. */
export function fireAlarm(runId: string): Promise<boolean> {
  return runDurableObjectAlarm(stubOf(runId));
}

/**
 * Fires the run's alarm while it is due by the (fake) clock, so the run goes as far as it can
 * now; at most `max` times. Resolves to the run.
 */
export async function drive(runId: string, max = 50): Promise<Run> {
  for (let i = 0; i < max; i++) {
    const at = await alarmOf(runId);
    if (at === null || at > Date.now()) return getRun(runId);
    await fireAlarm(runId);
  }
  throw new Error(`Run ${runId} still had an alarm due after ${max} firings`);
}

/** Executions per task run of a flow run, by task run name (from the D1 counters). */
export async function executionsOf(runId: string): Promise<Record<string, number>> {
  const { results } = await testEnv.DB.prepare("SELECT key, n FROM executions WHERE key LIKE ?")
    .bind(`${runId}/%`)
    .all<{ key: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.key.slice(runId.length + 1), r.n]));
}

/** GET /api/runs `count` for a query. */
export async function indexCount(query = ""): Promise<number> {
  const body = await json<{ count: number }>(api(`/api/runs${query}`));
  return body.count;
}

/** How many flow-run objects exist. */
export async function objectCount(): Promise<number> {
  return (await listDurableObjectIds(testEnv.FLOW_RUNS)).length;
}

/** Names of the SQL tables the run's object holds (none for an object that holds no run). */
export function tablesOf(runId: string): Promise<string[]> {
  return runInDurableObject(stubOf(runId), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((r) => r.name),
  );
}

/** A day: how far ahead of the real clock the fake one starts. */
export const FAKE_CLOCK_LEAD_MS = 86_400_000;

/**
 * Fakes `Date` for each test of the calling suite (see the module doc). `advance` moves the
 * clock forward; `set` puts it at a moment.
 */
export function useFakeTime(): { advance(ms: number): number; set(at: number): void } {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + FAKE_CLOCK_LEAD_MS });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  return {
    advance(ms: number) {
      const at = Date.now() + ms;
      vi.setSystemTime(at);
      return at;
    },
    set(at: number) {
      vi.setSystemTime(at);
    },
  };
}

/** The states a run or step went through, as "TYPE/Name". */
export function states(history: readonly { type: string; name: string }[]): string[] {
  return history.map((s) => `${s.type}/${s.name}`);
}

/** The step of a run with this run name (throws with the names there are when it has none). */
export function stepNamed(run: Run, runName: string): Run["steps"][number] {
  const found = run.steps.find((s) => s.runName === runName);
  if (found === undefined) {
    throw new Error(`No step ${runName} in ${run.steps.map((s) => s.runName).join(", ")}`);
  }
  return found;
}
