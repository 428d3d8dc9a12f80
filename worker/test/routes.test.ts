// Every /api route: what it answers, and what it answers to bad input (always a JSON error with
// the right status, never a 500, and no state changed). Runs are driven by firing their
// object's alarm under a fake clock (helpers.ts), so the index is written when the test says.
import { describe, expect, it } from "vitest";
import {
  alarmOf,
  api,
  createRun,
  drive,
  executionsOf,
  expectError,
  getRun,
  indexCount,
  json,
  objectCount,
  post,
  type Run,
  tablesOf,
  UNKNOWN_RUN,
  useFakeTime,
} from "./helpers.ts";
import { testFlows } from "./test_flows.ts";

const clock = useFakeTime();

interface Page {
  runs: {
    id: string;
    flowName: string;
    name: string;
    parentRunId: string | null;
    state: { type: string; name: string };
    tags: string[];
    createdAt: number;
    startedAt: number | null;
    endedAt: number | null;
  }[];
  count: number;
  nextCursor: string | null;
}

function raw(path: string, method: string, body: string, contentType = "application/json") {
  return api(path, { method, headers: { "content-type": contentType }, body });
}

describe("health, flows and the OpenAPI document", () => {
  it("GET /api/health answers ok with the number of flows", async () => {
    const res = await api("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", flows: testFlows.length });
  });

  it("GET /api/flows lists every registered flow, sorted, with its parameter schema", async () => {
    const body = await json<{
      flows: { name: string; parametersSchema: unknown; tags: string[] }[];
    }>(api("/api/flows"));
    const names = testFlows.map((f) => f.flowName).sort((a, b) => a.localeCompare(b));
    expect(body.flows.map((f) => f.name)).toEqual(names);
    const sum = body.flows.find((f) => f.name === "sum");
    expect(sum?.parametersSchema).toMatchObject({
      type: "object",
      properties: { n: { type: "integer", minimum: 0, maximum: 1000, default: 3 } },
    });
    expect(body.flows.find((f) => f.name === "impatient")?.tags).toEqual(["waits"]);
  });

  it("GET /api/flows/{name} answers the flow, and 404 for an unknown one", async () => {
    const res = await api("/api/flows/sum");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "sum", retries: 0, description: null });
    const error = await expectError(api("/api/flows/sun"), 404, "not_found");
    expect(error.message).toContain("sum");
    await expectError(api(`/api/flows/${"x".repeat(300)}`), 404, "not_found");
  });

  it("GET /api/openapi.json is an OpenAPI 3.1 document with every route", async () => {
    const res = await api("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = JSON.parse(await res.text()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        "GET /api/health",
        "GET /api/concurrency-limits",
        "POST /api/concurrency-limits",
        "GET /api/concurrency-limits/{name}",
        "PATCH /api/concurrency-limits/{name}",
        "DELETE /api/concurrency-limits/{name}",
        "POST /api/concurrency-limits/{name}/reset",
        "GET /api/flows",
        "GET /api/flows/{name}",
        "POST /api/flows/{name}/runs",
        "GET /api/runs",
        "GET /api/runs/stats",
        "GET /api/runs/stats/runs",
        "GET /api/runs/{id}",
        "GET /api/runs/{id}/logs",
        "GET /api/runs/{id}/graph",
        "GET /api/runs/{id}/live",
        "POST /api/runs/{id}/cancel",
        "POST /api/runs/{id}/retry",
        "POST /api/runs/{id}/events/{name}",
        "POST /api/remote-runs",
        "POST /api/runs/{id}/lease",
        "POST /api/runs/{id}/lease/renew",
        "POST /api/runs/{id}/lease/release",
        "GET /api/runs/{id}/journal",
        "POST /api/runs/{id}/journal",
        "GET /api/cache/{key}",
        "PUT /api/cache/{key}",
        "DELETE /api/cache/{key}",
        "GET /api/results/{key}",
        "PUT /api/results/{key}",
        "GET /api/flows/{name}/graph",
        "GET /api/deployments",
        "POST /api/deployments",
        "GET /api/deployments/{id}",
        "PATCH /api/deployments/{id}",
        "DELETE /api/deployments/{id}",
        "GET /api/deployments/name/{flow}/{deployment}",
        "POST /api/deployments/{id}/pause",
        "POST /api/deployments/{id}/resume",
        "POST /api/deployments/{id}/runs",
        "GET /api/deployments/{id}/runs",
        "POST /api/deployments/{id}/schedules",
        "PATCH /api/deployments/{id}/schedules/{scheduleId}",
        "DELETE /api/deployments/{id}/schedules/{scheduleId}",
        "POST /api/schedules/preview",
        "POST /api/scheduler/tick",
      ].sort(),
    );
    expect(Object.keys(doc.paths["/api/flows/{name}/runs"]?.post?.responses ?? {}).sort()).toEqual(
      ["200", "201", "400", "401", "404", "409", "413", "422"].sort(),
    );
    expect(doc.components.schemas).toHaveProperty("Error");
    expect(doc.components.securitySchemes).toHaveProperty("bearer");
  });

  it("answers an unknown route or method with a JSON 404", async () => {
    await expectError(api("/api/nothing-here"), 404, "not_found");
    await expectError(api("/api/runs", { method: "DELETE" }), 404, "not_found");
    await expectError(api("/api/flows/sum", { method: "PUT", body: "{}" }), 404, "not_found");
  });
});

describe("POST /api/flows/{name}/runs", () => {
  it("creates a Pending run in its own object, with name, tags and parameters", async () => {
    const before = await objectCount();
    const res = await post("/api/flows/sum/runs", {
      parameters: { n: 2 },
      name: "nightly-sum",
      tags: ["nightly", "team-a"],
    });
    expect(res.status).toBe(201);
    const run = await json<Run>(res);
    expect(run.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(run).toMatchObject({
      flowName: "sum",
      name: "nightly-sum",
      tags: ["nightly", "team-a"],
      parameters: { n: 2 },
      state: { type: "PENDING" },
      parentRunId: null,
      steps: [],
    });
    expect(await objectCount()).toBe(before + 1);
    expect(await getRun(run.id)).toEqual(run);
    expect((await drive(run.id)).result).toBe(3);
  });

  it("creates a run with the flow's default parameters when there is no body", async () => {
    const res = await api("/api/flows/sum/runs", { method: "POST" });
    expect(res.status).toBe(201);
    const run = await json<Run>(res);
    expect(run.parameters).toEqual({});
    // n defaults to 3.
    expect((await drive(run.id)).result).toBe(6);
  });

  it("creates a Scheduled run for a future scheduledAt, as epoch ms or ISO 8601", async () => {
    const at = Date.now() + 3_600_000;
    const a = await createRun("sum", { scheduledAt: at });
    expect(a.state).toMatchObject({ type: "SCHEDULED", scheduledTime: at });
    const b = await createRun("sum", { scheduledAt: new Date(at).toISOString() });
    expect(b.state).toMatchObject({ type: "SCHEDULED", scheduledTime: at });
    // A time in the past starts now.
    const c = await createRun("sum", { scheduledAt: Date.now() - 60_000 });
    expect(c.state.type).toBe("PENDING");
    expect(await alarmOf(c.id)).toBe(c.state.timestamp);
  });

  it("the same idempotencyKey returns the same run (200) and creates nothing", async () => {
    const key = `order-${crypto.randomUUID()}`;
    const objects = await objectCount();
    const first = await post("/api/flows/sum/runs", { parameters: { n: 4 }, idempotencyKey: key });
    expect(first.status).toBe(201);
    const run = await json<Run>(first);
    await drive(run.id);
    const indexed = await indexCount();

    const again = await post("/api/flows/sum/runs", { parameters: { n: 4 }, idempotencyKey: key });
    expect(again.status).toBe(200);
    const same = await json<Run>(again);
    expect(same.id).toBe(run.id);
    // It answers the run as it is now (completed), not a new one.
    expect(same.state.type).toBe("COMPLETED");
    expect(same.result).toBe(10);
    expect(await objectCount()).toBe(objects + 1);
    expect(await indexCount()).toBe(indexed);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "add-1": 1, "add-2": 1, "add-3": 1 });

    // Same parameters in another key order are the same parameters.
    const k2 = `order-${crypto.randomUUID()}`;
    const a = await createRun("sleepy", { parameters: { x: 1, y: 2 }, idempotencyKey: k2 });
    const b = await post("/api/flows/sleepy/runs", {
      parameters: { y: 2, x: 1 },
      idempotencyKey: k2,
    });
    expect(b.status).toBe(200);
    expect((await json<Run>(b)).id).toBe(a.id);

    // The same key for another flow is another run.
    const other = await post("/api/flows/fan-out/runs", {
      parameters: { n: 4 },
      idempotencyKey: key,
    });
    expect(other.status).toBe(201);
    expect((await json<Run>(other)).id).not.toBe(run.id);
  });

  it("concurrent requests with one idempotencyKey create exactly one run", async () => {
    const key = `burst-${crypto.randomUUID()}`;
    const objects = await objectCount();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        post("/api/flows/sum/runs", { parameters: { n: 1 }, idempotencyKey: key }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json<Run>(r)).id)));
    expect(ids.size).toBe(1);
    expect(await objectCount()).toBe(objects + 1);
  });

  it("the same idempotencyKey with other parameters is a 409 that changes nothing", async () => {
    const key = `order-${crypto.randomUUID()}`;
    const run = await createRun("sum", { parameters: { n: 1 }, idempotencyKey: key });
    const error = await expectError(
      post("/api/flows/sum/runs", { parameters: { n: 2 }, idempotencyKey: key }),
      409,
      "conflict",
      "idempotencyKey",
    );
    expect(error.message).toContain(run.id);
    const now = await getRun(run.id);
    expect(now.parameters).toEqual({ n: 1 });
    expect(now.stateHistory).toEqual(run.stateHistory);
  });
});

describe("bad input", () => {
  const runs = "/api/flows/sum/runs";
  const json1 = (body: unknown) => JSON.stringify(body);
  /** [label, request, status, code, field?] — none of them touches a flow-run object. */
  const cases: [string, () => Promise<Response>, number, string, string?][] = [
    ["malformed JSON", () => raw(runs, "POST", "{ parameters: "), 400, "bad_request"],
    ["empty body claimed as JSON", () => raw(runs, "POST", ""), 400, "bad_request"],
    ["a JSON array", () => raw(runs, "POST", "[1, 2]"), 400, "bad_request"],
    ["JSON null", () => raw(runs, "POST", "null"), 400, "bad_request"],
    ["a JSON string", () => raw(runs, "POST", '"n=1"'), 400, "bad_request"],
    [
      "not JSON content",
      () => raw(runs, "POST", "n=1", "application/x-www-form-urlencoded"),
      400,
      "bad_request",
    ],
    [
      "an unknown field",
      () => raw(runs, "POST", json1({ parameters: {}, prio: 1 })),
      400,
      "bad_request",
    ],
    [
      "parameters not an object",
      () => raw(runs, "POST", json1({ parameters: [1] })),
      400,
      "bad_request",
      "parameters",
    ],
    [
      "parameters a string",
      () => raw(runs, "POST", json1({ parameters: "n=1" })),
      400,
      "bad_request",
      "parameters",
    ],
    [
      "an empty idempotencyKey",
      () => raw(runs, "POST", json1({ idempotencyKey: "" })),
      400,
      "bad_request",
      "idempotencyKey",
    ],
    [
      "an overlong idempotencyKey",
      () => raw(runs, "POST", json1({ idempotencyKey: "k".repeat(201) })),
      400,
      "bad_request",
      "idempotencyKey",
    ],
    ["an empty name", () => raw(runs, "POST", json1({ name: "" })), 400, "bad_request", "name"],
    [
      "tags not a list",
      () => raw(runs, "POST", json1({ tags: "a,b" })),
      400,
      "bad_request",
      "tags",
    ],
    [
      "an empty tag",
      () => raw(runs, "POST", json1({ tags: ["ok", ""] })),
      400,
      "bad_request",
      "tags.1",
    ],
    [
      "too many tags",
      () => raw(runs, "POST", json1({ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })),
      400,
      "bad_request",
      "tags",
    ],
    [
      "scheduledAt not a date",
      () => raw(runs, "POST", json1({ scheduledAt: "tomorrow" })),
      400,
      "bad_request",
      "scheduledAt",
    ],
    [
      "scheduledAt negative",
      () => raw(runs, "POST", json1({ scheduledAt: -1 })),
      400,
      "bad_request",
      "scheduledAt",
    ],
    [
      "scheduledAt too large",
      () => raw(runs, "POST", json1({ scheduledAt: 1e300 })),
      400,
      "bad_request",
      "scheduledAt",
    ],
    [
      "a parameter of the wrong type",
      () => raw(runs, "POST", json1({ parameters: { n: "four" } })),
      422,
      "invalid_parameters",
      "parameters.n",
    ],
    [
      "a parameter out of range",
      () => raw(runs, "POST", json1({ parameters: { n: 1001 } })),
      422,
      "invalid_parameters",
      "parameters.n",
    ],
    [
      "a parameter not an integer",
      () => raw(runs, "POST", json1({ parameters: { n: 1.5 } })),
      422,
      "invalid_parameters",
      "parameters.n",
    ],
    [
      "a missing required parameter",
      () => raw("/api/flows/nap/runs", "POST", json1({ parameters: {} })),
      422,
      "invalid_parameters",
      "parameters.ms",
    ],
    [
      "an unknown flow",
      () => raw("/api/flows/no-such-flow/runs", "POST", json1({})),
      404,
      "not_found",
    ],
    [
      "a body over 1 MiB",
      () => raw(runs, "POST", json1({ parameters: { n: 1, pad: "x".repeat(1024 * 1024) } })),
      413,
      "payload_too_large",
    ],
    [
      "a body over 1 MiB, not JSON",
      () => raw(runs, "POST", "x".repeat(1024 * 1024 + 1), "text/plain"),
      413,
      "payload_too_large",
    ],
    ["list: an unknown state", () => api("/api/runs?state=DONE"), 400, "bad_request", "state"],
    ["list: limit 0", () => api("/api/runs?limit=0"), 400, "bad_request", "limit"],
    ["list: limit 201", () => api("/api/runs?limit=201"), 400, "bad_request", "limit"],
    ["list: limit not a number", () => api("/api/runs?limit=ten"), 400, "bad_request", "limit"],
    ["list: a forged cursor", () => api("/api/runs?cursor=abc"), 400, "bad_request", "cursor"],
    [
      "list: a cursor of the wrong shape",
      () => api(`/api/runs?cursor=${btoa("[1,2]")}`),
      400,
      "bad_request",
      "cursor",
    ],
    ["list: since not a date", () => api("/api/runs?since=yesterday"), 400, "bad_request", "since"],
    ["list: a repeated filter", () => api("/api/runs?flow=a&flow=b"), 400, "bad_request", "flow"],
    ["run: id not a UUID", () => api("/api/runs/42"), 400, "bad_request", "id"],
    ["run: id with a path trick", () => api("/api/runs/..%2F..%2Fflows"), 400, "bad_request", "id"],
    ["logs: id not a UUID", () => api("/api/runs/nope/logs"), 400, "bad_request", "id"],
    [
      "logs: an unknown level",
      () => api(`/api/runs/${UNKNOWN_RUN}/logs?level=LOUD`),
      400,
      "bad_request",
      "level",
    ],
    [
      "logs: a negative cursor",
      () => api(`/api/runs/${UNKNOWN_RUN}/logs?after=-1`),
      400,
      "bad_request",
      "after",
    ],
    [
      "logs: limit 1001",
      () => api(`/api/runs/${UNKNOWN_RUN}/logs?limit=1001`),
      400,
      "bad_request",
      "limit",
    ],
    ["graph: id not a UUID", () => api("/api/runs/nope/graph"), 400, "bad_request", "id"],
    ["cancel: id not a UUID", () => post("/api/runs/nope/cancel"), 400, "bad_request", "id"],
    [
      "cancel: an unknown field",
      () => raw(`/api/runs/${UNKNOWN_RUN}/cancel`, "POST", json1({ why: "x" })),
      400,
      "bad_request",
    ],
    [
      "cancel: a reason too long",
      () => raw(`/api/runs/${UNKNOWN_RUN}/cancel`, "POST", json1({ reason: "r".repeat(501) })),
      400,
      "bad_request",
      "reason",
    ],
    [
      "cancel: malformed JSON",
      () => raw(`/api/runs/${UNKNOWN_RUN}/cancel`, "POST", "{"),
      400,
      "bad_request",
    ],
    ["retry: id not a UUID", () => post("/api/runs/nope/retry"), 400, "bad_request", "id"],
    [
      "event: id not a UUID",
      () => post("/api/runs/nope/events/go", { payload: 1 }),
      400,
      "bad_request",
      "id",
    ],
    [
      "event: a name too long",
      () => post(`/api/runs/${UNKNOWN_RUN}/events/${"e".repeat(201)}`, { payload: 1 }),
      400,
      "bad_request",
      "name",
    ],
    [
      "event: an unknown field",
      () => raw(`/api/runs/${UNKNOWN_RUN}/events/go`, "POST", json1({ data: 1 })),
      400,
      "bad_request",
    ],
    [
      "event: malformed JSON",
      () => raw(`/api/runs/${UNKNOWN_RUN}/events/go`, "POST", "{payload"),
      400,
      "bad_request",
    ],
    [
      "event: a payload over 1 MiB",
      () => post(`/api/runs/${UNKNOWN_RUN}/events/go`, { payload: "p".repeat(1024 * 1024) }),
      413,
      "payload_too_large",
    ],
    [
      "live: id not a UUID",
      () => api("/api/runs/nope/live", { headers: { Upgrade: "websocket" } }),
      400,
      "bad_request",
      "id",
    ],
    ["live: no upgrade", () => api(`/api/runs/${UNKNOWN_RUN}/live`), 400, "bad_request"],
  ];

  it.each(cases)("%s → %i %s", async (_label, request, status, code, field) => {
    const objects = await objectCount();
    const indexed = await indexCount();
    await expectError(request(), status, code, field);
    expect(await objectCount()).toBe(objects);
    expect(await indexCount()).toBe(indexed);
  });

  it("answers 404 for a run that does not exist, and leaves that object empty", async () => {
    const requests = [
      api(`/api/runs/${UNKNOWN_RUN}`),
      api(`/api/runs/${UNKNOWN_RUN}/logs`),
      api(`/api/runs/${UNKNOWN_RUN}/graph`),
      post(`/api/runs/${UNKNOWN_RUN}/cancel`),
      post(`/api/runs/${UNKNOWN_RUN}/cancel`, { reason: "x" }),
      post(`/api/runs/${UNKNOWN_RUN}/retry`),
      post(`/api/runs/${UNKNOWN_RUN}/events/go`, { payload: { a: 1 } }),
      post(`/api/runs/${UNKNOWN_RUN}/events/go`),
      api(`/api/runs/${UNKNOWN_RUN}/live`, { headers: { Upgrade: "websocket" } }),
    ];
    const indexed = await indexCount();
    for (const res of requests) {
      const error = await expectError(res, 404, "not_found");
      expect(error.message).toContain(UNKNOWN_RUN);
    }
    expect(await tablesOf(UNKNOWN_RUN)).toEqual([]);
    expect(await alarmOf(UNKNOWN_RUN)).toBeNull();
    expect(await indexCount()).toBe(indexed);
  });

  it("bad requests about an existing run change nothing about it", async () => {
    const run = await drive((await createRun("approval")).id);
    expect(run.state.name).toBe("Suspended");
    const path = `/api/runs/${run.id}`;
    const bad: [Promise<Response>, number][] = [
      [raw(`${path}/cancel`, "POST", "{"), 400],
      [raw(`${path}/cancel`, "POST", JSON.stringify({ reason: "r".repeat(501) })), 400],
      [raw(`${path}/cancel`, "POST", JSON.stringify({ reason: "x", force: true })), 400],
      [raw(`${path}/events/approved`, "POST", "{payload"), 400],
      [raw(`${path}/events/approved`, "POST", JSON.stringify({ payload: 1, extra: 2 })), 400],
      [post(`${path}/events/approved`, { payload: "p".repeat(1024 * 1024) }), 413],
      [post(`${path}/events/${"e".repeat(201)}`, { payload: 1 }), 400],
      [post(`${path}/retry`), 409],
      [api(`${path}/logs?level=LOUD`), 400],
    ];
    for (const [res, status] of bad) expect((await res).status).toBe(status);
    const after = await drive(run.id);
    expect(after).toEqual(run);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });
  });

  it("never answers 500, whatever the body", { timeout: 60_000 }, async () => {
    const bodies = [
      "",
      "{",
      "[]",
      "0",
      "true",
      '"x"',
      "{}",
      '{"parameters":null}',
      '{"parameters":{"n":null}}',
      '{"parameters":{"__proto__":{"n":1}}}',
      '{"constructor":{"prototype":{}}}',
      '{"idempotencyKey":123}',
      '{"tags":[1,2]}',
      '{"scheduledAt":"2026-13-45T99:99:99Z"}',
      '{"payload":{"a":[1,{"b":null}]}}',
      '{"reason":null}',
      "\u0000\u0001",
      "\ud800",
    ];
    const paths = [
      "/api/flows/sum/runs",
      "/api/flows/nap/runs",
      "/api/flows/fan-out/runs",
      `/api/runs/${UNKNOWN_RUN}/cancel`,
      `/api/runs/${UNKNOWN_RUN}/retry`,
      `/api/runs/${UNKNOWN_RUN}/events/x`,
    ];
    for (const path of paths) {
      for (const body of bodies) {
        // Every body as JSON; the first few also under a type the API does not take.
        const types =
          bodies.indexOf(body) < 4 ? ["application/json", "text/plain"] : ["application/json"];
        for (const type of types) {
          const res = await raw(path, "POST", body, type);
          expect(res.status, `${path} ${type} ${body}`).toBeLessThan(500);
          if (res.status >= 400) {
            const parsed = (await res.json()) as { error: { code: string; message: string } };
            expect(typeof parsed.error.message).toBe("string");
          } else {
            await res.body?.cancel();
          }
        }
      }
    }
  });
});

describe("GET /api/runs", () => {
  it("lists the runs from the index, newest first, filtered by flow, state and tag, with count", async () => {
    const tag = `batch-${crypto.randomUUID()}`;
    const created: Run[] = [];
    for (let i = 0; i < 3; i++) {
      created.push(await createRun("sum", { parameters: { n: i }, tags: [tag, `n${i}`] }));
      clock.advance(1000);
    }
    created.push(await createRun("sleepy", { tags: [tag] }));
    clock.advance(1000);
    created.push(await createRun("gated", { tags: [tag] }));
    // The index follows each object through its outbox, from the object's alarm.
    for (const run of created) await drive(run.id);

    const all = await json<Page>(api(`/api/runs?tag=${tag}`));
    expect(all.count).toBe(5);
    expect(all.nextCursor).toBeNull();
    expect(all.runs.map((r) => r.id)).toEqual(created.map((r) => r.id).reverse());
    const sleepy = all.runs.find((r) => r.flowName === "sleepy");
    expect(sleepy).toMatchObject({ state: { type: "RUNNING", name: "Running" }, endedAt: null });
    expect(sleepy?.startedAt).toEqual(expect.any(Number));
    const first = all.runs.find((r) => r.id === created[0]?.id);
    expect(first).toMatchObject({ flowName: "sum", tags: [tag, "n0"], parentRunId: null });
    expect(first?.name).toBe(created[0]?.name);
    expect(first?.endedAt).toEqual(expect.any(Number));

    const sums = await json<Page>(api(`/api/runs?tag=${tag}&flow=sum`));
    expect(sums.count).toBe(3);
    expect(sums.runs.every((r) => r.flowName === "sum")).toBe(true);
    const failed = await json<Page>(api(`/api/runs?tag=${tag}&state=FAILED`));
    expect(failed.runs.map((r) => r.flowName)).toEqual(["gated"]);
    const running = await json<Page>(api(`/api/runs?tag=${tag}&state=RUNNING`));
    expect(running.runs.map((r) => r.flowName)).toEqual(["sleepy"]);
    const oneTag = await json<Page>(api(`/api/runs?tag=n1`));
    expect(oneTag.runs.map((r) => r.id)).toEqual([created[1]?.id]);
    const none = await json<Page>(api(`/api/runs?tag=${tag}&flow=fan-out`));
    expect(none).toEqual({ runs: [], count: 0, nextCursor: null });

    // since/until bound the creation time (epoch ms or ISO 8601).
    const t1 = created[1]?.state.timestamp as number;
    const t3 = created[3]?.state.timestamp as number;
    const window = await json<Page>(
      api(`/api/runs?tag=${tag}&since=${t1}&until=${new Date(t3).toISOString()}`),
    );
    expect(window.runs.map((r) => r.id)).toEqual([created[2]?.id, created[1]?.id]);
  });

  it("pages with an opaque cursor: every run once, in order, with the same count", async () => {
    const tag = `page-${crypto.randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const run = await createRun("sum", { parameters: { n: 0 }, tags: [tag] });
      ids.push(run.id);
      // Two runs share each creation time: the cursor breaks the tie by id.
      if (i % 2 === 1) clock.advance(1000);
    }
    for (const id of ids) await drive(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/runs?tag=${tag}&limit=3${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
      const page: Page = await json<Page>(api(query));
      expect(page.count).toBe(7);
      expect(page.runs.length).toBeLessThanOrEqual(3);
      seen.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect([...seen].sort()).toEqual([...ids].sort());
    const whole = await json<Page>(api(`/api/runs?tag=${tag}&limit=200`));
    expect(seen).toEqual(whole.runs.map((r) => r.id));
  });
});

describe("a run's routes", () => {
  it("GET /api/runs/{id} answers the run with its state history, task runs and result", async () => {
    const run = await createRun("sum", { parameters: { n: 2 } });
    const done = await drive(run.id);
    expect(done).toMatchObject({
      id: run.id,
      flowName: "sum",
      state: { type: "COMPLETED", name: "Completed" },
      result: 3,
      error: null,
      resultRef: null,
      retries: 0,
    });
    expect(done.taskRuns.map((t) => [t.runName, t.state.type, t.attempts])).toEqual([
      ["add-0", "COMPLETED", 1],
      ["add-1", "COMPLETED", 1],
    ]);
  });

  it("GET /api/runs/{id}/logs pages through the run's log lines and filters by level", async () => {
    const run = await drive((await createRun("gated")).id);
    expect(run.state.type).toBe("FAILED");
    const all = await json<{
      logs: { message: string; level: string; cursor: number }[];
      nextCursor: number;
    }>(api(`/api/runs/${run.id}/logs`));
    const messages = all.logs.map((l) => l.message);
    expect(messages[0]).toContain("Created flow run");
    expect(messages.some((m) => m.includes("Beginning flow run"))).toBe(true);
    expect(messages.some((m) => m.includes("Finished in state Failed"))).toBe(true);
    expect(all.nextCursor).toBe(all.logs[all.logs.length - 1]?.cursor);

    const firstTwo = await json<{ logs: { cursor: number }[]; nextCursor: number }>(
      api(`/api/runs/${run.id}/logs?limit=2`),
    );
    expect(firstTwo.logs.map((l) => l.cursor)).toEqual(all.logs.slice(0, 2).map((l) => l.cursor));
    const rest = await json<{ logs: { cursor: number }[]; nextCursor: number }>(
      api(`/api/runs/${run.id}/logs?after=${firstTwo.nextCursor}&limit=1000`),
    );
    expect(rest.logs.map((l) => l.cursor)).toEqual(all.logs.slice(2).map((l) => l.cursor));
    // Past the end: nothing, and the cursor stays.
    const end = await json<{ logs: unknown[]; nextCursor: number }>(
      api(`/api/runs/${run.id}/logs?after=${all.nextCursor}`),
    );
    expect(end).toEqual({ logs: [], nextCursor: all.nextCursor });

    const errors = await json<{ logs: { level: string; message: string }[] }>(
      api(`/api/runs/${run.id}/logs?level=ERROR`),
    );
    expect(errors.logs.length).toBeGreaterThan(0);
    expect(errors.logs.every((l) => l.level === "ERROR" || l.level === "CRITICAL")).toBe(true);
    expect(errors.logs.length).toBeLessThan(all.logs.length);
  });

  it("GET /api/runs/{id}/graph answers the steps as nodes and the data between them as edges", async () => {
    const run = await drive((await createRun("etl", { parameters: { n: 3 } })).id);
    expect(run.result).toBe(9);
    const graph = await json<{
      nodes: { id: string; label: string; kind: string; state: { type: string } }[];
      edges: { from: string; to: string; kind: string }[];
    }>(api(`/api/runs/${run.id}/graph`));
    expect(graph.nodes.map((n) => [n.id, n.label, n.kind, n.state.type])).toEqual([
      ["0", "extract-0", "task", "COMPLETED"],
      ["1", "double-0", "task", "COMPLETED"],
      ["2", "load-0", "task", "COMPLETED"],
    ]);
    // extract's rows go to double and to load; double's go to load.
    expect(graph.edges).toEqual([
      { from: "0", to: "1", kind: "data" },
      { from: "0", to: "2", kind: "data" },
      { from: "1", to: "2", kind: "data" },
    ]);
  });

  it("POST cancel, retry and events answer the run, or 409 when its state does not allow it", async () => {
    const run = await drive((await createRun("approval")).id);
    const event = await post(`/api/runs/${run.id}/events/approved`);
    expect(event.status).toBe(200);
    const done = await drive(run.id);
    // An event without a body carries a null payload.
    expect(done.result).toEqual(null);
    expect(done.state.type).toBe("FAILED");
    await expectError(post(`/api/runs/${run.id}/cancel`, { reason: "late" }), 409, "conflict");
    await expectError(post(`/api/runs/${run.id}/events/approved`, { payload: 1 }), 409, "conflict");
    const retried = await post(`/api/runs/${run.id}/retry`);
    expect(retried.status).toBe(200);
    await expectError(post(`/api/runs/${run.id}/retry`), 409, "conflict");
    const cancelled = await post(`/api/runs/${run.id}/cancel`, { reason: "enough" });
    expect(cancelled.status).toBe(200);
    expect((await json<Run>(cancelled)).state.type).toBe("CANCELLING");
    expect((await drive(run.id)).state.type).toBe("CANCELLED");
  });
});
