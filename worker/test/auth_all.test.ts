/**
 * Bearer auth on every operation the served OpenAPI document lists (so a new route is covered
 * without touching this file), plus the document itself and the live WebSocket: with
 * WEIR_API_TOKEN set, a request with no token, a wrong one, a malformed Authorization header
 * or another scheme is refused with 401 JSON and changes nothing (no run created, no event or
 * state stored, no alarm set), and the token shows in no response and no console output.
 *
 * This supersedes the refusal half of auth.test.ts ("every route answers 401 ..."), whose
 * route list is written by hand; auth.test.ts still covers the open API and the right token.
 *
 * A header value cannot end in a space (fetch strips it, as HTTP says), so the "token with a
 * trailing space" cases send it where it survives: inside a `weir.bearer.` subprotocol, and as
 * the token followed by a space and more text.
 *
 * @module
 */

import { listDurableObjectIds } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LIVE_PROTOCOL, TOKEN_PROTOCOL_PREFIX, tokenProtocol } from "../api/live_protocol.ts";
import type { WeirEnv } from "../env.ts";
import { expectErrorBody, newRun, runCount, send, settleRun, storedState } from "./direct.ts";
import { testEnv, useFakeTime } from "./helpers.ts";
import {
  bodySchemaOf,
  type Op,
  type OpenApiDocument,
  operationsOf,
  paramsIn,
  resolve,
  type Schema,
  servedDocument,
} from "./openapi.ts";

useFakeTime();

const TOKEN = "s3cret-t0ken/with+odd=chars";
const secured: WeirEnv = { ...testEnv, WEIR_API_TOKEN: TOKEN };
const RIGHT = { Authorization: `Bearer ${TOKEN}` };

/** Every form of the token that must never be echoed or printed. */
const SECRET_FORMS = [
  TOKEN,
  tokenProtocol(TOKEN).slice(TOKEN_PROTOCOL_PREFIX.length),
  btoa(TOKEN),
  encodeURIComponent(TOKEN),
];

/** Authorization headers that must be refused (undefined: none at all). */
const WRONG_AUTHORIZATION: (string | undefined)[] = [
  undefined,
  "",
  "Bearer",
  "Bearer ",
  "Bearer  x",
  "Bearer wrong",
  `Bearer ${TOKEN}x`,
  `Bearer x${TOKEN}`,
  `Bearer ${TOKEN.toUpperCase()}`,
  `Bearer ${TOKEN} x`,
  `Bearer "${TOKEN}"`,
  `Bearer ${TOKEN.slice(0, -1)}`,
  `Bearer ${TOKEN}\u00a0`,
  `Bearer wrong, Bearer ${TOKEN}`,
  "bearer wrong",
  "BEARER wrong",
  `bEaReR ${TOKEN}x`,
  `Basic ${btoa(`user:${TOKEN}`)}`,
  `Basic ${btoa(TOKEN)}`,
  `Token ${TOKEN}`,
  `Digest username="u", response="${TOKEN}"`,
  TOKEN,
  `${TOKEN} Bearer`,
];

/** A value a schema accepts, as small as possible (only required properties). */
function minimal(doc: OpenApiDocument, schema: Schema): unknown {
  const s = resolve(doc, schema);
  if (Array.isArray(s.enum)) return s.enum[0];
  if (Array.isArray(s.anyOf)) return minimal(doc, (s.anyOf as Schema[])[0] ?? {});
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === "object" || s.properties !== undefined) {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    const required = (s.required ?? []) as string[];
    return Object.fromEntries(required.map((k) => [k, minimal(doc, properties[k] ?? {})]));
  }
  if (type === "array") return [];
  if (type === "string") return "x".repeat(typeof s.minLength === "number" ? s.minLength : 1);
  if (type === "integer" || type === "number") return typeof s.minimum === "number" ? s.minimum : 0;
  if (type === "boolean") return false;
  return null;
}

/** A request the operation answers (not 401) with the right token, for the run `runId`. */
function requestFor(doc: OpenApiDocument, op: Op, runId: string) {
  const values: Record<string, string> = {};
  for (const p of paramsIn(op, "path")) {
    if (p.name === "id") values.id = runId;
    else if (p.name === "name")
      values.name = op.path.startsWith("/api/flows/") ? "sum" : "approved";
    else if (p.name === "flow") values.flow = "sum";
    else if (p.name === "deployment") values.deployment = "code-sum";
    else if (p.name === "scheduleId") values.scheduleId = runId;
    else if (p.name === "key") values.key = "auth-all-key";
    else
      throw new Error(`${op.id}: no value for path parameter '${p.name}'; teach auth_all.test.ts`);
  }
  const path = op.path.replace(/\{([^}]+)\}/g, (_, n: string) => values[n] ?? "");
  const schema = bodySchemaOf(op);
  const live = op.path.endsWith("/live");
  return {
    path,
    method: op.method,
    headers: {
      ...(schema === undefined ? {} : { "content-type": "application/json" }),
      ...(live ? { Upgrade: "websocket" } : {}),
    } as Record<string, string>,
    ...(schema === undefined ? {} : { body: JSON.stringify(minimal(doc, schema)) }),
  };
}

/** Asserts a 401 that names no secret, and closes nothing (none may open). */
async function expectRefused(res: Response, label: string): Promise<void> {
  const text = await res.text();
  expect(res.status, `${label} → ${res.status} ${text.slice(0, 200)}`).toBe(401);
  expect(res.webSocket, label).toBeNull();
  expect(res.headers.get("content-type") ?? "", label).toContain("application/json");
  expect(res.headers.get("WWW-Authenticate"), label).toBe('Bearer realm="weir"');
  expect(expectErrorBody(text, label).code, label).toBe("unauthorized");
  expectNoSecret(res, text, label);
}

function expectNoSecret(res: Response, text: string, label: string): void {
  const headers = JSON.stringify([...res.headers]);
  for (const secret of SECRET_FORMS) {
    expect(text.includes(secret), `${label}: the token is in the body`).toBe(false);
    expect(headers.includes(secret), `${label}: the token is in a header`).toBe(false);
  }
}

/** What a refusal must leave as it was. */
async function state(runIds: string[]) {
  const runs: Record<string, unknown> = {};
  for (const id of runIds) {
    const res = await send(`/api/runs/${id}`, { headers: RIGHT }, secured);
    runs[id] = { status: res.status, text: await res.text(), stored: await storedState(id) };
  }
  const objects = (await listDurableObjectIds(testEnv.FLOW_RUNS)).length;
  return { count: await runCount(secured), objects, runs };
}

const doc = await servedDocument(secured);
const ops = operationsOf(doc);

describe("with WEIR_API_TOKEN set, every operation in the OpenAPI document", () => {
  const printed: unknown[][] = [];
  beforeEach(() => {
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args);
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    const output = printed
      .splice(0)
      .map((args) => args.map(String).join(" "))
      .join("\n");
    for (const secret of SECRET_FORMS) {
      expect(output.includes(secret), `the console printed the token:\n${output}`).toBe(false);
    }
  });

  it("the document, unknown routes and bad requests need the token first", async () => {
    const requests: [string, RequestInit][] = [
      ["/api/openapi.json", {}],
      ["/api/nothing", {}],
      ["/api/runs/not-a-uuid", {}],
      ["/api/runs?limit=0", {}],
      [
        "/api/flows/sum/runs",
        { method: "POST", headers: { "content-type": "application/json" }, body: "{" },
      ],
      [
        "/api/flows/sum/runs",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: `{"x":"${"x".repeat(2 * 1024 * 1024)}"}`,
        },
      ],
    ];
    for (const [path, init] of requests) {
      for (const header of WRONG_AUTHORIZATION) {
        const headers = {
          ...(init.headers as Record<string, string> | undefined),
          ...(header === undefined ? {} : { Authorization: header }),
        };
        const res = await send(path, { ...init, headers }, secured);
        await expectRefused(res, `${init.method ?? "GET"} ${path} with ${JSON.stringify(header)}`);
      }
    }
  });

  it("refuses every wrong, malformed or missing credential with 401 and changes nothing", async () => {
    const exercised = new Set<string>();
    for (const op of ops) {
      const run = await settleRun((await newRun("approval")).id);
      const request = requestFor(doc, op, run.id);
      const before = await state([run.id]);
      const attempts = WRONG_AUTHORIZATION.map((h): [string, Record<string, string>] => [
        `Authorization: ${JSON.stringify(h)}`,
        h === undefined ? {} : { Authorization: h },
      ]);
      // The subprotocol carries a token only on a WebSocket upgrade: elsewhere even the right
      // one is refused; on the upgrade, a wrong or mangled one is.
      const protocols = [
        tokenProtocol("wrong"),
        tokenProtocol(`${TOKEN} `),
        tokenProtocol(` ${TOKEN}`),
        `${TOKEN_PROTOCOL_PREFIX}${TOKEN}`,
        tokenProtocol(TOKEN).toUpperCase(),
        ...(request.headers.Upgrade === undefined ? [tokenProtocol(TOKEN)] : []),
      ];
      for (const p of protocols) {
        attempts.push([`subprotocol ${p}`, { "Sec-WebSocket-Protocol": `${LIVE_PROTOCOL}, ${p}` }]);
      }
      for (const [what, auth] of attempts) {
        const res = await send(
          request.path,
          { ...request, headers: { ...request.headers, ...auth } },
          secured,
        );
        await expectRefused(res, `${op.id} with ${what}`);
      }
      expect(await state([run.id]), `${op.id}: a refused request changed something`).toEqual(
        before,
      );
      // The same request with the right token gets through: the refusals were about the token.
      const ok = await send(
        request.path,
        { ...request, headers: { ...request.headers, ...RIGHT } },
        secured,
      );
      const text = ok.status === 101 ? "" : await ok.text();
      expect(ok.status, `${op.id} with the token → ${ok.status} ${text}`).not.toBe(401);
      expect(ok.status, `${op.id} with the token → ${ok.status} ${text}`).toBeLessThan(500);
      expectNoSecret(ok, text, `${op.id} with the token`);
      ok.webSocket?.accept();
      ok.webSocket?.close(1000);
      exercised.add(op.id);
    }
    expect([...exercised].sort()).toEqual(ops.map((o) => o.id).sort());
    expect(ops.map((o) => o.id)).toContain("GET /api/runs/{id}/live");
  });

  it("a refused request to create a run creates none, whatever its body", async () => {
    const objects = (await listDurableObjectIds(testEnv.FLOW_RUNS)).length;
    const count = await runCount(secured);
    for (const body of [
      { parameters: { n: 1 } },
      { idempotencyKey: "auth-all", parameters: { n: 1 } },
      { scheduledAt: 9_000_000_000_000_000 },
    ]) {
      for (const header of WRONG_AUTHORIZATION) {
        const res = await send(
          "/api/flows/sum/runs",
          {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(header === undefined ? {} : { Authorization: header }),
            },
            body: JSON.stringify(body),
          },
          secured,
        );
        await expectRefused(res, `create with ${JSON.stringify(header)}`);
      }
    }
    expect((await listDurableObjectIds(testEnv.FLOW_RUNS)).length).toBe(objects);
    expect(await runCount(secured)).toBe(count);
  });
});
