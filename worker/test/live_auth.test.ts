// The live feed's token for browsers: they cannot set an Authorization header on a WebSocket,
// so they offer the subprotocols `weir.live.v1` and `weir.bearer.<base64url token>`. The route
// accepts the token only on an upgrade, answers with `weir.live.v1` (never the token's
// subprotocol), keeps the token from the run's object, and never logs it.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  LIVE_PROTOCOL,
  offeredProtocols,
  TOKEN_PROTOCOL_PREFIX,
  tokenFromProtocols,
  tokenProtocol,
} from "../api/live_protocol.ts";
import type { WeirEnv } from "../env.ts";
import { createRun, expectError, ORIGIN, testEnv, useFakeTime } from "./helpers.ts";
import worker from "./test_app.ts";

useFakeTime();

// ASCII, as header values must be (the round-trip test below also covers non-ASCII tokens).
const TOKEN = "s3cret-token/with+odd=chars";
const secured: WeirEnv = { ...testEnv, WEIR_API_TOKEN: TOKEN };
const open: WeirEnv = { ...testEnv, WEIR_API_TOKEN: "" };

async function call(env: WeirEnv, path: string, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const handler = worker.fetch as unknown as (
    r: Request,
    e: WeirEnv,
    c: ExecutionContext,
  ) => Promise<Response>;
  const res = await handler(new Request(`${ORIGIN}${path}`, { headers }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

function upgrade(protocols: string[]): Record<string, string> {
  return { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols.join(", ") };
}

/** The first message on an accepted socket (the snapshot). */
function firstMessage(ws: WebSocket): Promise<{ type: string; run: { id: string } | null }> {
  return new Promise((resolve) => {
    ws.addEventListener("message", (event) => resolve(JSON.parse(String(event.data))), {
      once: true,
    });
    ws.accept();
  });
}

describe("the live-feed subprotocols", () => {
  it("round-trip any token, and reject what is not base64url of UTF-8", () => {
    for (const token of [TOKEN, "s3cret-ü", "a", "ab", "abc", "abcd", "ü€😀", " spaced token "]) {
      const protocol = tokenProtocol(token);
      expect(protocol.startsWith(TOKEN_PROTOCOL_PREFIX)).toBe(true);
      // Only characters an HTTP token (so a subprotocol) may hold.
      expect(protocol).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(tokenFromProtocols([LIVE_PROTOCOL, protocol])).toBe(token);
    }
    expect(tokenFromProtocols([LIVE_PROTOCOL])).toBeUndefined();
    expect(tokenFromProtocols([`${TOKEN_PROTOCOL_PREFIX}`])).toBeUndefined();
    expect(tokenFromProtocols([`${TOKEN_PROTOCOL_PREFIX}a=b`])).toBeUndefined();
    expect(tokenFromProtocols([`${TOKEN_PROTOCOL_PREFIX}_w`])).toBeUndefined(); // 0xff: not UTF-8
    expect(offeredProtocols(" a ,b,, c ")).toEqual(["a", "b", "c"]);
    expect(offeredProtocols(null)).toEqual([]);
  });
});

describe("GET /api/runs/{id}/live with WEIR_API_TOKEN set", () => {
  const consoleSpies: ReturnType<typeof vi.spyOn>[] = [];
  beforeEach(() => {
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      consoleSpies.push(vi.spyOn(console, method));
    }
  });
  afterEach(() => {
    // Whatever happened, nothing printed the token or its encoded form.
    for (const spy of consoleSpies.splice(0)) {
      const printed = JSON.stringify(spy.mock.calls);
      expect(printed).not.toContain(TOKEN);
      expect(printed).not.toContain(tokenProtocol(TOKEN).slice(TOKEN_PROTOCOL_PREFIX.length));
      spy.mockRestore();
    }
  });

  it("accepts the token as a subprotocol, answers with weir.live.v1, and feeds the run", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    const res = await call(
      secured,
      `/api/runs/${run.id}/live`,
      upgrade([LIVE_PROTOCOL, tokenProtocol(TOKEN)]),
    );
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe(LIVE_PROTOCOL);
    const ws = res.webSocket;
    if (ws === null) throw new Error("no WebSocket in the 101 response");
    const snapshot = await firstMessage(ws);
    expect(snapshot).toMatchObject({ type: "snapshot", run: { id: run.id } });
    ws.close(1000);
  });

  it("refuses a wrong, malformed or missing token with 401 and opens nothing", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    for (const protocols of [
      [LIVE_PROTOCOL, tokenProtocol("wrong")],
      [LIVE_PROTOCOL, tokenProtocol(`${TOKEN}x`)],
      [LIVE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}not*base64`],
      [LIVE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}`],
      [LIVE_PROTOCOL],
    ]) {
      const res = await call(secured, `/api/runs/${run.id}/live`, upgrade(protocols));
      expect(res.webSocket).toBeNull();
      const error = await expectError(Promise.resolve(res), 401, "unauthorized");
      expect(error.message).toMatch(/bearer/i);
      expect(res.headers.get("Sec-WebSocket-Protocol")).toBeNull();
    }
  });

  it("takes the subprotocol token only on a WebSocket upgrade", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    const headers = { "Sec-WebSocket-Protocol": `${LIVE_PROTOCOL}, ${tokenProtocol(TOKEN)}` };
    await expectError(call(secured, "/api/flows", headers), 401, "unauthorized");
    await expectError(call(secured, `/api/runs/${run.id}`, headers), 401, "unauthorized");
  });

  it("still accepts the Authorization header, with or without subprotocols", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    const plain = await call(secured, `/api/runs/${run.id}/live`, {
      Upgrade: "websocket",
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(plain.status).toBe(101);
    expect(plain.headers.get("Sec-WebSocket-Protocol")).toBeNull();
    plain.webSocket?.accept();
    plain.webSocket?.close(1000);
    const offered = await call(secured, `/api/runs/${run.id}/live`, {
      ...upgrade([LIVE_PROTOCOL]),
      Authorization: `Bearer ${TOKEN}`,
    });
    expect(offered.status).toBe(101);
    expect(offered.headers.get("Sec-WebSocket-Protocol")).toBe(LIVE_PROTOCOL);
    offered.webSocket?.accept();
    offered.webSocket?.close(1000);
  });
});

describe("GET /api/runs/{id}/live without WEIR_API_TOKEN", () => {
  it("answers with weir.live.v1 when it is offered, and ignores a token", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    for (const protocols of [[LIVE_PROTOCOL], [LIVE_PROTOCOL, tokenProtocol("anything")]]) {
      const res = await call(open, `/api/runs/${run.id}/live`, upgrade(protocols));
      expect(res.status).toBe(101);
      expect(res.headers.get("Sec-WebSocket-Protocol")).toBe(LIVE_PROTOCOL);
      const ws = res.webSocket;
      if (ws === null) throw new Error("no WebSocket in the 101 response");
      expect((await firstMessage(ws)).run?.id).toBe(run.id);
      ws.close(1000);
    }
  });

  it("refuses subprotocols that do not include weir.live.v1 with 400", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    const error = await expectError(
      call(open, `/api/runs/${run.id}/live`, upgrade(["graphql-ws"])),
      400,
      "bad_request",
    );
    expect(error.message).toContain(LIVE_PROTOCOL);
  });
});
