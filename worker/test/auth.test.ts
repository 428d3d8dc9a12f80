// Bearer-token auth: with WEIR_API_TOKEN set, every /api route needs `Authorization: Bearer
// <token>` and answers 401 without it (before looking at the request, so nothing changes);
// without the token the API is open. The Worker's fetch handler is called directly with an env
// that has (or lacks) the token.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { WeirEnv } from "../env.ts";
import {
  createRun,
  drive,
  expectError,
  indexCount,
  ORIGIN,
  objectCount,
  testEnv,
  UNKNOWN_RUN,
  useFakeTime,
} from "./helpers.ts";
import worker from "./test_app.ts";

useFakeTime();

const TOKEN = "s3cret-token";

async function call(env: WeirEnv, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const handler = worker.fetch as unknown as (
    r: Request,
    e: WeirEnv,
    c: ExecutionContext,
  ) => Promise<Response>;
  const res = await handler(new Request(`${ORIGIN}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const secured: WeirEnv = { ...testEnv, WEIR_API_TOKEN: TOKEN };
const open: WeirEnv = { ...testEnv, WEIR_API_TOKEN: "" };

/** Every route, with a request that succeeds when authorized, and the status it answers. */
function routes(runId: string): [string, string, RequestInit, number][] {
  const json = (body: unknown): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return [
    ["GET /api/health", "/api/health", {}, 200],
    ["GET /api/openapi.json", "/api/openapi.json", {}, 200],
    ["GET /api/flows", "/api/flows", {}, 200],
    ["GET /api/flows/{name}", "/api/flows/sum", {}, 200],
    ["POST /api/flows/{name}/runs", "/api/flows/sum/runs", json({ parameters: { n: 1 } }), 201],
    ["GET /api/runs", "/api/runs", {}, 200],
    ["GET /api/runs/{id}", `/api/runs/${runId}`, {}, 200],
    ["GET /api/runs/{id}/logs", `/api/runs/${runId}/logs`, {}, 200],
    ["GET /api/runs/{id}/graph", `/api/runs/${runId}/graph`, {}, 200],
    [
      "POST /api/runs/{id}/events/{name}",
      `/api/runs/${runId}/events/approved`,
      json({ payload: { by: "ana" } }),
      200,
    ],
    ["POST /api/runs/{id}/retry", `/api/runs/${runId}/retry`, { method: "POST" }, 409],
    ["POST /api/runs/{id}/cancel", `/api/runs/${runId}/cancel`, json({ reason: "auth test" }), 200],
    [
      "GET /api/runs/{id}/live",
      `/api/runs/${runId}/live`,
      { headers: { Upgrade: "websocket" } },
      101,
    ],
  ];
}

function withAuth(init: RequestInit, value: string): RequestInit {
  return {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), Authorization: value },
  };
}

describe("with WEIR_API_TOKEN set", () => {
  it("every route answers 401 without a token, or with a wrong one, and changes nothing", async () => {
    const run = await drive((await createRun("approval")).id);
    const objects = await objectCount();
    const indexed = await indexCount();
    for (const [label, path, init] of routes(run.id)) {
      for (const header of [
        undefined,
        "Bearer wrong",
        `Bearer ${TOKEN}x`,
        `Basic ${btoa(`u:${TOKEN}`)}`,
        TOKEN,
        "Bearer ",
      ]) {
        const res = await call(secured, path, header === undefined ? init : withAuth(init, header));
        const error = await expectError(Promise.resolve(res), 401, "unauthorized");
        expect(res.headers.get("WWW-Authenticate"), label).toBe('Bearer realm="weir"');
        expect(error.message).toMatch(/bearer/i);
      }
    }
    // Bad input without a token is a 401 too: auth is checked first.
    await expectError(call(secured, "/api/runs/not-a-uuid"), 401, "unauthorized");
    await expectError(call(secured, "/api/nothing"), 401, "unauthorized");
    await expectError(
      call(secured, "/api/flows/sum/runs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "x".repeat(2 * 1024 * 1024),
      }),
      401,
      "unauthorized",
    );
    expect(await objectCount()).toBe(objects);
    expect(await indexCount()).toBe(indexed);
    expect(await drive(run.id)).toEqual(run);
  });

  it("every route answers as usual with the right token", async () => {
    const run = await drive((await createRun("approval")).id);
    for (const [label, path, init, status] of routes(run.id)) {
      const res = await call(secured, path, withAuth(init, `Bearer ${TOKEN}`));
      expect(res.status, label).toBe(status);
      if (status === 101) res.webSocket?.accept();
      if (status === 101) res.webSocket?.close();
    }
    // The scheme is case-insensitive.
    expect((await call(secured, "/api/flows", withAuth({}, `bearer ${TOKEN}`))).status).toBe(200);
    // Errors other than 401 still come through with the token.
    await expectError(
      call(secured, "/api/runs/not-a-uuid", withAuth({}, `Bearer ${TOKEN}`)),
      400,
      "bad_request",
      "id",
    );
    await expectError(
      call(secured, `/api/runs/${UNKNOWN_RUN}`, withAuth({}, `Bearer ${TOKEN}`)),
      404,
      "not_found",
    );
  });
});

describe("without WEIR_API_TOKEN", () => {
  it("every route is open", async () => {
    const run = await drive((await createRun("approval")).id);
    for (const [label, path, init, status] of routes(run.id)) {
      const res = await call(open, path, init);
      expect(res.status, label).toBe(status);
      if (status === 101) res.webSocket?.accept();
      if (status === 101) res.webSocket?.close();
    }
    // A header sent anyway is ignored.
    expect((await call(open, "/api/flows", withAuth({}, "Bearer anything"))).status).toBe(200);
    const { WEIR_API_TOKEN: _unset, ...unset } = secured;
    expect((await call(unset as WeirEnv, "/api/flows")).status).toBe(200);
  });
});
