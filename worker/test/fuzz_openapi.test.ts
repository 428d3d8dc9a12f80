/**
 * A property-based fuzzer over the served OpenAPI document: it fetches /api/openapi.json from
 * the app under test, and for every operation there sends requests built from the operation's
 * schemas and then broken (fuzz_cases.ts). For every answer:
 *
 * - no 5xx, ever;
 * - the status is one the document declares for the operation, and the body (JSON) matches the
 *   schema it declares for that status;
 * - a 4xx is exactly `{ error: { code, message, field? } }`, with no stack trace;
 * - a request the document makes invalid (wrong type, unknown field, out of range, malformed
 *   JSON, another content type) is refused with a 4xx, and one that crosses a stated limit
 *   (nesting, characters in names and tags, time range, body size) with the stated status and
 *   a `field` naming it;
 * - a refused request changes nothing: the run index's count, the affected runs (GET
 *   /api/runs/{id}, and what their objects store: rows per table and alarm), and no new
 *   object holds a run;
 * - an accepted run creation keeps the parameters, name and tags it was sent, and the run
 *   then goes on from its alarm without error (for flows that declare their parameters).
 *
 * The seed is fixed, so every run sends the same requests. By default each operation gets
 * {@link RUNS} (40) generated requests: about 480 in all, plus the fixed cases at the end, in
 * about 10 s. For a long run raise the count, and change the seed to explore other requests
 * (about 10 ms a request: 2000 per operation is some 4 minutes). Only variables prefixed
 * VITE_ reach the tests inside workerd:
 *
 *     VITE_WEIR_FUZZ_RUNS=2000 VITE_WEIR_FUZZ_SEED=7 npx vitest run worker/test/fuzz_openapi.test.ts
 *
 * A failure prints the shrunk request (method, URL, headers, body) with the seed and path that
 * replay it.
 *
 * @module
 */

import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCreation } from "../../runtime/host.ts";
import { flow, sleep } from "../../runtime/mod.ts";
import { runIdFor } from "../api/run_ids.ts";
import {
  expectErrorBody,
  newRun,
  runCount,
  send,
  sendJson,
  settleRun,
  storedState,
} from "./direct.ts";
import { type Case, caseArb, describeCase, type FuzzWorld } from "./fuzz_cases.ts";
import { hasForbiddenChar, NESTING, nested } from "./fuzz_values.ts";
import { alarmOf, fireAlarm, testEnv, UNKNOWN_RUN, useFakeTime } from "./helpers.ts";
import { expectConforms, operationsOf, servedDocument, toJsonText } from "./openapi.ts";

useFakeTime();

/** A flow the Worker does not know, for a remote run (its code lives with its process). */
const remoteFlow = flow({ name: "fuzz-remote" }, async function* (_params: Record<string, never>) {
  yield* sleep("1s");
  return null;
});

const settings = (import.meta as unknown as { env?: Record<string, string | undefined> }).env ?? {};
/** Cases per operation (VITE_WEIR_FUZZ_RUNS overrides). */
const RUNS = Number(settings.VITE_WEIR_FUZZ_RUNS ?? 40);
const SEED = Number(settings.VITE_WEIR_FUZZ_SEED ?? 20_260_501);
/** A generous per-test timeout that grows with the count; no assertion depends on time. */
const TIMEOUT = 60_000 + RUNS * 1_000;

// The document is read once, when the file is collected, so each operation is its own test.
const doc = await servedDocument();
const ops = operationsOf(doc);

/** Runs in several states, and the flows with their parameter schemas. */
async function world(): Promise<FuzzWorld> {
  const listed = (await (await send("/api/flows")).json()) as {
    flows: { name: string; parametersSchema: Record<string, unknown> | null }[];
  };
  const flows = new Map(listed.flows.map((f) => [f.name, f.parametersSchema]));
  const waiting = await settleRun((await newRun("approval")).id);
  const done = await settleRun((await newRun("sum", { parameters: { n: 2 } })).id);
  const failed = await settleRun((await newRun("failing", { parameters: { fail: true } })).id);
  const sleeping = await settleRun((await newRun("sleepy")).id);
  const later = await newRun("sum", { scheduledAt: Date.now() + 3_600_000 });
  // A run executed elsewhere, holding a live lease at epoch 1 (the lease and journal routes).
  const remoteId = crypto.randomUUID();
  const remote = await sendJson("/api/remote-runs", {
    runId: remoteId,
    flowName: remoteFlow.flowName,
    holder: "fuzz",
    ttlMs: 600_000,
    entries: runCreation(remoteFlow, remoteId, { params: {} }, Date.now()).entries,
  });
  expect(remote.status, await remote.text()).toBe(201);
  // A limit for the {name} routes of /api/concurrency-limits (a 409 when it already exists).
  await (await sendJson("/api/concurrency-limits", { name: "fuzz-db", limit: 2 })).text();
  return {
    doc,
    flows,
    runIds: [waiting.id, done.id, failed.id, sleeping.id, later.id, remoteId],
    limits: ["fuzz-db"],
  };
}

interface Snapshot {
  count: number;
  objects: string[];
  runs: Record<string, { status: number; text: string; stored: Record<string, number | null> }>;
}

/** The runs a case may touch: the run in its path, or the one its idempotency key names. */
async function touchedRuns(c: Case, w: FuzzWorld): Promise<string[]> {
  const ids: string[] = [];
  const id = c.pathValues.id;
  if (id !== undefined && /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(id))
    ids.push(id.toLowerCase());
  const flow = c.pathValues.name;
  const key = (c.json as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
  if (
    c.op.path === "/api/flows/{name}/runs" &&
    flow !== undefined &&
    w.flows.has(flow) &&
    typeof key === "string"
  ) {
    ids.push(await runIdFor(flow, key));
  }
  return ids;
}

async function snapshot(ids: string[]): Promise<Snapshot> {
  const runs: Snapshot["runs"] = {};
  for (const id of ids) {
    const res = await send(`/api/runs/${id}`);
    runs[id] = { status: res.status, text: await res.text(), stored: await storedState(id) };
  }
  const objects = (await listDurableObjectIds(testEnv.FLOW_RUNS)).map((o) => o.toString());
  return { count: await runCount(), objects, runs };
}

/** Whether a flow-run object holds a run (any table of its own). */
async function holdsRun(hexId: string): Promise<boolean> {
  const stub = testEnv.FLOW_RUNS.get(testEnv.FLOW_RUNS.idFromString(hexId));
  const tables = await runInDurableObject(
    stub,
    (_instance, state) =>
      state.storage.sql
        .exec<{ n: number }>(
          "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .one().n,
  );
  return tables > 0;
}

/** Sends a case and checks everything the file header promises. */
async function check(c: Case, w: FuzzWorld): Promise<void> {
  const ids = await touchedRuns(c, w);
  const before = await snapshot(ids);
  const res = await send(c.url, {
    method: c.method,
    headers: c.headers,
    ...(c.body === undefined ? {} : { body: c.body }),
  });
  const text = res.status === 101 ? "" : await res.text();
  const label = `${describeCase(c)}\n  → ${res.status} ${text.slice(0, 400)}`;
  expect(res.status, label).toBeLessThan(500);
  const declared = c.op.operation.responses[String(res.status)];
  expect(declared, `${label}\n  status ${res.status} is not declared for ${c.op.id}`).toBeDefined();
  if (res.status === 101) {
    expect(c.op.path, label).toMatch(/\/live$/);
    expect(
      c.mustRefuse,
      `${label}\n  upgraded a request the document makes invalid`,
    ).toBeUndefined();
    res.webSocket?.accept();
    res.webSocket?.close(1000);
    return;
  }
  expect(res.headers.get("content-type") ?? "", label).toContain("application/json");
  const schema = declared?.content?.["application/json"]?.schema;
  expect(schema, `${label}\n  no JSON schema declared for ${res.status}`).toBeDefined();
  let body: unknown;
  expect(() => (body = JSON.parse(text)), label).not.toThrow();
  if (schema !== undefined) expectConforms(doc, schema, body, label);
  if (res.status >= 400) {
    const error = expectErrorBody(text, label);
    // A limit decides the answer when nothing else in the request is wrong (a body over the
    // size limit is refused before anything else is read). Names in the path are held to
    // the same characters as names in a body.
    const alone =
      c.mustRefuse === undefined &&
      Object.values(c.pathValues).every((v) => v !== undefined && !hasForbiddenChar(v));
    if (c.limit !== undefined && (alone || c.limit.first)) {
      expect(c.limit.statuses, `${label}\n  ${c.limit.what}`).toContain(res.status);
      expect(error.field ?? "", `${label}\n  field for ${c.limit.what}`).toMatch(c.limit.field);
      if (c.limit.message) expect(error.message, label).toMatch(c.limit.message);
    }
    const after = await snapshot(ids);
    expect(after.count, `${label}\n  the run index changed`).toBe(before.count);
    expect(after.runs, `${label}\n  a touched run changed`).toEqual(before.runs);
    const fresh = after.objects.filter((o) => !before.objects.includes(o));
    for (const o of fresh)
      expect(await holdsRun(o), `${label}\n  a refused request left a run in ${o}`).toBe(false);
    return;
  }
  expect(c.mustRefuse, `${label}\n  accepted a request the document makes invalid`).toBeUndefined();
  expect(c.limit?.what, `${label}\n  accepted a request past a stated limit`).toBeUndefined();
  if (res.status === 201) expectEcho(c, body as Record<string, unknown>, label);
  await settle(res.status, body, w).catch((error: unknown) => {
    throw new Error(`${label}\n  the run failed to go on from its alarm: ${String(error)}`);
  });
}

/** JSON with object keys sorted, own keys only (so a `__proto__` key shows). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A created run holds the parameters and name that were sent, and the tags (with its flow's). */
function expectEcho(c: Case, run: Record<string, unknown>, label: string): void {
  if (c.body === undefined || c.json === undefined) return;
  // What the server parsed: the body text, not the fuzzer's object (JSON.parse keeps a
  // `__proto__` key as an own property, as the server's parser does).
  const sent = JSON.parse(c.body) as Record<string, unknown>;
  for (const key of ["parameters", "name"]) {
    if (!Object.hasOwn(sent, key)) continue;
    expect(canonical(run[key]), `${label}\n  the run's ${key} differ from what was sent`).toBe(
      canonical(sent[key]),
    );
  }
  if (Array.isArray(sent.tags)) {
    expect(run.tags, `${label}\n  the run lacks a tag that was sent`).toEqual(
      expect.arrayContaining(sent.tags),
    );
  }
}

/** Lets a changed or created run move on, so the index and the runs' states keep changing. */
async function settle(status: number, body: unknown, w: FuzzWorld): Promise<void> {
  const run = body as { id?: unknown; flowName?: unknown };
  if (status >= 300 || typeof run.id !== "string" || typeof run.flowName !== "string") return;
  // Flows without a parameter schema take anything: their runs are created but not driven.
  if (!w.runIds.includes(run.id) && !w.flows.get(run.flowName)) return;
  await settleRun(run.id);
}

describe("fuzzing every operation of the served OpenAPI document", () => {
  it("the document lists operations, each with declared responses", () => {
    expect(ops.length).toBeGreaterThanOrEqual(12);
    for (const op of ops)
      expect(Object.keys(op.operation.responses).length, op.id).toBeGreaterThan(0);
  });

  for (const op of ops) {
    it(
      op.id,
      async () => {
        const w = await world();
        await fc.assert(
          fc.asyncProperty(caseArb(w, op), (c) => check(c, w)),
          { seed: SEED, numRuns: RUNS },
        );
      },
      TIMEOUT,
    );
  }
});

describe("what the fuzzer found, as fixed cases", () => {
  const deepValues = [
    ["arrays", nested("array", NESTING)],
    ["objects", nested("object", NESTING)],
  ] as const;

  /** A fixed request as a fuzz case (a POST with a JSON body, or a GET without one). */
  function caseOf(path: string, value: unknown, label: string, method = "POST"): Case {
    const url = new URL(path, "https://x");
    const op = ops.find(
      (o) =>
        o.method === method &&
        new RegExp(`^${o.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(url.pathname),
    );
    if (op === undefined) throw new Error(`No operation for ${method} ${path}`);
    const id = /\/api\/runs\/([^/]+)/.exec(url.pathname)?.[1];
    const name = /\/api\/flows\/([^/]+)/.exec(url.pathname)?.[1];
    const body = value === undefined ? {} : { body: toJsonText(value), json: value };
    return {
      op,
      method,
      url: path,
      headers: value === undefined ? {} : { "content-type": "application/json" },
      ...body,
      label,
      pathValues: { ...(id ? { id } : {}), ...(name ? { name } : {}) },
    };
  }

  it(`parameters and payload nested ${NESTING} levels: 4xx naming the field and the depth limit`, async () => {
    const w = await world();
    const waiting = w.runIds[0] ?? UNKNOWN_RUN;
    for (const [kind, deep] of deepValues) {
      for (const [path, value, field] of [
        ["/api/flows/sum/runs", { parameters: { n: deep } }, /^parameters(\.n)?$/],
        ["/api/flows/approval/runs", { parameters: { deep } }, /^parameters(\.deep)?$/],
        [
          "/api/flows/approval/runs",
          { parameters: kind === "objects" ? deep : { deep } },
          /^parameters/,
        ],
        [`/api/runs/${waiting}/events/approved`, { payload: deep }, /^payload/],
        [`/api/runs/${waiting}/events/approved`, { payload: { by: deep } }, /^payload/],
      ] as const) {
        const c = caseOf(path, value, `${kind} nested ${NESTING} levels`);
        await check(
          {
            ...c,
            limit: { what: c.label, statuses: [400, 413, 422], field, message: /dep|nest/i },
          },
          w,
        );
      }
    }
  });

  it("scheduledAt 9000000000000000 and past the last Date: 422 naming scheduledAt", async () => {
    const w = await world();
    for (const scheduledAt of [
      9_000_000_000_000_000,
      8.64e15,
      8.64e15 + 1,
      "+275760-09-13T00:00:00.000Z",
    ]) {
      // A number past the range is well-formed (422); an ISO string with a 6-digit year may be
      // refused as malformed (400) instead.
      const statuses = typeof scheduledAt === "number" ? [422] : [400, 422];
      const limit = { what: `scheduledAt ${scheduledAt}`, statuses, field: /^scheduledAt$/ };
      await check({ ...caseOf("/api/flows/sum/runs", { scheduledAt }, limit.what), limit }, w);
    }
  });

  it("control characters, U+202E and lone surrogates in a run's name or tags: 422", async () => {
    const w = await world();
    for (const bad of [
      "a\u0000b",
      "nightly\u202Eexe",
      "\ud800",
      "x\udc00",
      "bell\u0007",
      "esc\u001b[31m",
      "del\u007f",
      "nel\u0085",
      "\u2066iso",
    ]) {
      for (const [body, field] of [
        [{ name: bad }, /^name$/],
        [{ tags: ["ok", bad] }, /^tags(\.1)?$/],
      ] as const) {
        const c = caseOf(
          "/api/flows/sum/runs",
          body,
          `${JSON.stringify(bad)} in ${Object.keys(body)[0]}`,
        );
        await check({ ...c, limit: { what: c.label, statuses: [422], field } }, w);
      }
    }
  });

  it("accepts unusual but valid text in names and tags, unchanged", async () => {
    for (const text of ["café 😀 日本", "e\u0301", "👩‍👩‍👧", "ｆｕｌｌ", "quote ' \" \\ <b>"]) {
      const run = await newRun("sum", { name: text, tags: [text] });
      expect(run.name).toBe(text);
      expect(run.tags).toEqual([text]);
    }
  });

  it("a run scheduled at the edge of the range is kept and its alarm set", async () => {
    const run = await newRun("sum", { scheduledAt: "2099-12-31T23:59:59.999Z" });
    expect(await alarmOf(run.id)).toBe(Date.parse("2099-12-31T23:59:59.999Z"));
  });

  it("a __proto__ key in parameters is kept or refused, never dropped after validation", async () => {
    const w = await world();
    for (const inner of [{ n: "not a number" }, { n: 1_000_000 }, { n: 7 }]) {
      // A computed key makes an own property, which JSON.stringify writes out.
      await check(
        caseOf("/api/flows/sum/runs", { parameters: { ["__proto__"]: inner } }, "__proto__"),
        w,
      );
    }
  });

  it(`a __proto__ key in parameters does not carry ${NESTING} levels past the depth limit`, async () => {
    const w = await world();
    const deep = { parameters: { n: 2, ["__proto__"]: nested("array", NESTING) } };
    const c = caseOf("/api/flows/sum/runs", deep, `__proto__ nested ${NESTING} levels`);
    await check({ ...c, limit: { what: c.label, statuses: [400, 422], field: /^parameters/ } }, w);
  });

  it("an empty time in the run list's query is refused, not read as 1970", async () => {
    const w = await world();
    for (const query of ["until=", "since=", "until=%20"]) {
      const c = caseOf(`/api/runs?${query}`, undefined, `GET /api/runs?${query}`, "GET");
      await check({ ...c, mustRefuse: "an empty value is neither a date-time nor epoch ms" }, w);
    }
  });

  it("a flow that sleeps past the last alarm time (2189) does not crash its run's alarm", async () => {
    // Found by the fuzzer: nap's parameters allow any ms, and 593126215528575 ms is 18,800 years.
    const run = await newRun("nap", { parameters: { ms: 593_126_215_528_575 } });
    await expect(fireAlarm(run.id)).resolves.toBe(true);
    const after = await settleRun(run.id);
    // It ends (failed, naming the time) or waits with an alarm set; not suspended with none.
    const final = ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(after.state.type);
    expect(final || (await alarmOf(run.id)) !== null, JSON.stringify(after.state)).toBe(true);
  });
});
