/**
 * /api/concurrency-limits over HTTP: create, read, list, change, reset, delete; the 4xx JSON
 * that names the field (negative, non-integer, too large, missing, unknown field, reserved
 * prefix), 404 for an unknown name, 409 for a taken one; holders and waiters shown in order
 * (made by acquiring directly from the limit's object with made-up run ids); names that hold a
 * colon or a slash. Then deployments' `concurrencyLimit`, `collisionStrategy` and
 * `concurrencyKey`: round trip, validation, a PATCH reaching the limit in use, and a
 * deployment's runs taking their slot of `deployment:<id>` (keyed by a parameter or not).
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import type { Deployment } from "../../protocol/deployment.ts";
import type { SlotRequest } from "../../runtime/limits/port.ts";
import { limitObject } from "../limits/rpc.ts";
import { api, drive, expectError, getRun, json, post, testEnv, useFakeTime } from "./helpers.ts";

useFakeTime();

let counter = 0;
/** A name no other test uses. */
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}`;
}

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return api(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

const limitPath = (name: string) => `/api/concurrency-limits/${encodeURIComponent(name)}`;

async function createLimit(body: Record<string, unknown>): Promise<ConcurrencyLimit> {
  const res = await post("/api/concurrency-limits", body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as ConcurrencyLimit;
}

async function getLimit(name: string): Promise<ConcurrencyLimit> {
  const res = await api(limitPath(name));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as ConcurrencyLimit;
}

/** A hold request of `occupy` slots for a made-up run. */
function holdRequest(limit: string, runId: string, occupy = 1): SlotRequest {
  return {
    limit,
    leaseId: `${runId}/lease/${limit}`,
    occupy,
    kind: "hold",
    scope: "run",
    strategy: "ENQUEUE",
    holder: { runId, label: `run ${runId.slice(0, 8)}` },
  };
}

describe("concurrency limits: CRUD", () => {
  it("creates, reads, lists, changes and deletes a limit", async () => {
    const name = unique("db");
    const created = await createLimit({ name, limit: 2 });
    expect(created).toMatchObject({
      name,
      limit: 2,
      active: true,
      slotDecayPerSecond: 0,
      slotsHeld: 0,
      holders: [],
      waiters: [],
    });
    expect(await getLimit(name)).toEqual(created);

    const listed = await json<{ limits: ConcurrencyLimit[] }>(api("/api/concurrency-limits"));
    const names = listed.limits.map((l) => l.name);
    expect(names).toContain(name);
    expect(names).toEqual([...names].sort());

    const patched = await json<ConcurrencyLimit>(
      send("PATCH", limitPath(name), { limit: 5, active: false, slotDecayPerSecond: 0.5 }),
    );
    expect(patched).toMatchObject({ name, limit: 5, active: false, slotDecayPerSecond: 0.5 });
    expect(await getLimit(name)).toMatchObject({ limit: 5, active: false });
    // An empty patch changes nothing and answers the limit.
    expect(await json(send("PATCH", limitPath(name), {}))).toMatchObject({ limit: 5 });

    const deleted = await send("DELETE", limitPath(name));
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ name, deleted: true, admitted: 0 });
    await expectError(api(limitPath(name)), 404, "not_found");
    await expectError(send("DELETE", limitPath(name)), 404, "not_found");
  });

  it("creates a rate limit and an inactive one", async () => {
    const rate = await createLimit({ name: unique("api"), limit: 10, slotDecayPerSecond: 2 });
    expect(rate.slotDecayPerSecond).toBe(2);
    const off = await createLimit({ name: unique("off"), limit: 1, active: false });
    expect(off.active).toBe(false);
  });

  it("answers 409 for a taken name, and keeps the first", async () => {
    const name = unique("twice");
    await createLimit({ name, limit: 1 });
    await expectError(post("/api/concurrency-limits", { name, limit: 7 }), 409, "conflict", "name");
    expect((await getLimit(name)).limit).toBe(1);
  });

  it("answers 404 JSON for an unknown name on every route", async () => {
    const name = unique("nobody");
    await expectError(api(limitPath(name)), 404, "not_found");
    await expectError(send("PATCH", limitPath(name), { limit: 3 }), 404, "not_found");
    await expectError(send("DELETE", limitPath(name)), 404, "not_found");
    await expectError(post(`${limitPath(name)}/reset`), 404, "not_found");
    // Asking did not create it.
    await expectError(api(limitPath(name)), 404, "not_found");
  });

  it("handles names with a colon, a slash, spaces and non-ASCII letters", async () => {
    for (const name of [unique("a:b"), unique("team/db"), unique("São Paulo é")]) {
      await createLimit({ name, limit: 1 });
      expect((await getLimit(name)).name).toBe(name);
      expect(await json(post(`${limitPath(name)}/reset`))).toMatchObject({ name });
      expect((await send("DELETE", limitPath(name))).status).toBe(200);
    }
  });
});

describe("concurrency limits: bad requests name the field", () => {
  const cases: [string, unknown, number, string][] = [
    ["a negative limit", { name: "x", limit: -1 }, 400, "limit"],
    ["a non-integer limit", { name: "x", limit: 1.5 }, 400, "limit"],
    ["a limit over the maximum", { name: "x", limit: 1_000_001 }, 400, "limit"],
    ["a limit as a string", { name: "x", limit: "2" }, 400, "limit"],
    ["no limit", { name: "x" }, 400, "limit"],
    ["no name", { limit: 1 }, 400, "name"],
    ["an empty name", { name: "", limit: 1 }, 400, "name"],
    ["a name with a control character", { name: "a\u0007b", limit: 1 }, 422, "name"],
    ["an unknown field", { name: "x", limit: 1, slots: 3 }, 400, ""],
    [
      "a negative decay",
      { name: "x", limit: 1, slotDecayPerSecond: -1 },
      400,
      "slotDecayPerSecond",
    ],
    ["active as a string", { name: "x", limit: 1, active: "yes" }, 400, "active"],
  ];
  for (const [what, body, status, field] of cases) {
    it(`POST: ${what}`, async () => {
      const res = await post("/api/concurrency-limits", body);
      const text = await res.text();
      expect(res.status, text).toBe(status);
      const error = (JSON.parse(text) as { error: { field?: string; message: string } }).error;
      if (field === "") expect(error.message).toMatch(/slots|unrecognized|unknown/i);
      else expect(error.field).toBe(field);
    });
  }

  it("refuses the reserved prefixes with 422 naming `name`", async () => {
    for (const name of ["deployment:abc", "flow:etl", "flow:etl:acme"]) {
      const error = await expectError(
        post("/api/concurrency-limits", { name, limit: 1 }),
        422,
        "invalid_value",
        "name",
      );
      expect(error.message).toContain(name.slice(0, name.indexOf(":") + 1));
    }
  });

  it("PATCH: bad values name the field and change nothing", async () => {
    const name = unique("patch");
    const created = await createLimit({ name, limit: 2 });
    await expectError(send("PATCH", limitPath(name), { limit: -3 }), 400, "bad_request", "limit");
    await expectError(send("PATCH", limitPath(name), { limit: 0.5 }), 400, "bad_request", "limit");
    await expectError(send("PATCH", limitPath(name), { name: "other" }), 400, "bad_request");
    await expectError(
      send("PATCH", limitPath(name), { slotDecayPerSecond: "fast" }),
      400,
      "bad_request",
      "slotDecayPerSecond",
    );
    expect(await getLimit(name)).toEqual(created);
  });

  it("a name in the path is held to the same characters", async () => {
    await expectError(api(`/api/concurrency-limits/a%07b`), 422, "invalid_value", "name");
  });
});

describe("concurrency limits: holders, waiters, reset", () => {
  it("lists holders and waiters in order, and reset admits the waiters", async () => {
    const name = unique("slots");
    await createLimit({ name, limit: 2 });
    const object = limitObject(testEnv, name);
    const runs = Array.from({ length: 4 }, () => crypto.randomUUID());
    const answers = [];
    for (const runId of runs) answers.push(await object.acquire(holdRequest(name, runId)));
    expect(answers.map((a) => a.status)).toEqual(["granted", "granted", "waiting", "waiting"]);

    const seen = await getLimit(name);
    expect(seen.slotsHeld).toBe(2);
    expect(seen.holders.map((h) => h.runId).sort()).toEqual(runs.slice(0, 2).sort());
    for (const h of seen.holders) {
      expect(h.expiresAt).toBeGreaterThan(Date.now());
      expect(h.label).toContain(h.runId.slice(0, 8));
    }
    expect(seen.waiters.map((w) => [w.position, w.runId])).toEqual([
      [1, runs[2]],
      [2, runs[3]],
    ]);
    const listed = await json<{ limits: ConcurrencyLimit[] }>(api("/api/concurrency-limits"));
    expect(listed.limits.find((l) => l.name === name)).toEqual(seen);

    // Reset frees the holders and grants the waiters; these made-up runs have no object to
    // take a grant, so each declines it and the limit ends empty.
    const reset = await json<ConcurrencyLimit>(post(`${limitPath(name)}/reset`));
    expect(reset.waiters).toEqual([]);
    expect(reset.holders.map((h) => h.runId)).not.toContain(runs[0]);
    expect(reset.holders.map((h) => h.runId)).not.toContain(runs[1]);
  });

  it("raising a limit admits waiters at once", async () => {
    const name = unique("raise");
    await createLimit({ name, limit: 1 });
    const object = limitObject(testEnv, name);
    const runs = Array.from({ length: 3 }, () => crypto.randomUUID());
    for (const runId of runs) await object.acquire(holdRequest(name, runId));
    expect((await getLimit(name)).waiters).toHaveLength(2);
    const raised = await json<ConcurrencyLimit>(send("PATCH", limitPath(name), { limit: 3 }));
    expect(raised.limit).toBe(3);
    expect(raised.waiters).toEqual([]);
    expect(raised.holders.map((h) => h.runId)).toContain(runs[0]);
  });

  it("deleting a limit admits everyone waiting", async () => {
    const name = unique("gone");
    await createLimit({ name, limit: 1 });
    const object = limitObject(testEnv, name);
    for (let i = 0; i < 3; i++) await object.acquire(holdRequest(name, crypto.randomUUID()));
    const deleted = await json<{ admitted: number }>(send("DELETE", limitPath(name)));
    expect(deleted.admitted).toBe(2);
    await expectError(api(limitPath(name)), 404, "not_found");
  });
});

async function createDeployment(body: Record<string, unknown>): Promise<Deployment> {
  const res = await post("/api/deployments", body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as Deployment;
}

describe("deployments' concurrency fields", () => {
  it("default to no limit, round-trip on create and PATCH", async () => {
    const plain = await createDeployment({ flowName: "sum", name: unique("plain") });
    expect(plain).toMatchObject({
      concurrencyLimit: null,
      collisionStrategy: "ENQUEUE",
      concurrencyKey: null,
    });
    const limited = await createDeployment({
      flowName: "sum",
      name: unique("limited"),
      concurrencyLimit: 2,
      collisionStrategy: "CANCEL_NEW",
      concurrencyKey: "n",
    });
    expect(limited).toMatchObject({
      concurrencyLimit: 2,
      collisionStrategy: "CANCEL_NEW",
      concurrencyKey: "n",
    });
    expect(await json(api(`/api/deployments/${limited.id}`))).toEqual(limited);
    const patched = await json<Deployment>(
      send("PATCH", `/api/deployments/${limited.id}`, {
        concurrencyLimit: 0,
        collisionStrategy: "ENQUEUE",
        concurrencyKey: null,
      }),
    );
    expect(patched).toMatchObject({
      concurrencyLimit: 0,
      collisionStrategy: "ENQUEUE",
      concurrencyKey: null,
    });
    const cleared = await json<Deployment>(
      send("PATCH", `/api/deployments/${limited.id}`, { concurrencyLimit: null }),
    );
    expect(cleared.concurrencyLimit).toBeNull();
  });

  it("names the field of a bad value", async () => {
    const base = { flowName: "sum", name: unique("bad") };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ concurrencyLimit: -1 }, 400, "concurrencyLimit"],
      [{ concurrencyLimit: 1.5 }, 400, "concurrencyLimit"],
      [{ concurrencyLimit: "2" }, 400, "concurrencyLimit"],
      [{ collisionStrategy: "CANCEL_OLD" }, 400, "collisionStrategy"],
      [{ concurrencyKey: "" }, 400, "concurrencyKey"],
      [{ concurrencyKey: "a..b" }, 422, "concurrencyKey"],
      [{ concurrencyKey: "a\u0000b" }, 422, "concurrencyKey"],
    ];
    for (const [body, status, field] of cases) {
      const res = await post("/api/deployments", { ...base, ...body });
      const text = await res.text();
      expect(res.status, `${JSON.stringify(body)}: ${text}`).toBe(status);
      expect((JSON.parse(text) as { error: { field?: string } }).error.field).toBe(field);
    }
    await expectError(api(`/api/deployments/name/sum/${base.name}`), 404, "not_found");
    const d = await createDeployment(base);
    await expectError(
      send("PATCH", `/api/deployments/${d.id}`, { collisionStrategy: "nope" }),
      400,
      "bad_request",
      "collisionStrategy",
    );
  });

  it("a run of a keyed deployment without the key's value is a 422 naming it", async () => {
    const d = await createDeployment({
      flowName: "approval",
      name: unique("keyed"),
      concurrencyLimit: 1,
      concurrencyKey: "customer.id",
    });
    const error = await expectError(
      post(`/api/deployments/${d.id}/runs`, { parameters: {} }),
      422,
      "invalid_parameters",
      "parameters.customer.id",
    );
    expect(error.message).toContain("customer.id");
    await expectError(
      post(`/api/deployments/${d.id}/runs`, { parameters: { customer: { id: { deep: 1 } } } }),
      422,
      "invalid_parameters",
      "parameters.customer.id",
    );
  });
});

describe("a deployment's runs take their slot", () => {
  it("one at a time: the second run waits in deployment:<id> until the first ends", async () => {
    const d = await createDeployment({
      flowName: "approval",
      name: unique("one"),
      concurrencyLimit: 1,
    });
    const first = await json<{ id: string }>(post(`/api/deployments/${d.id}/runs`, {}));
    const second = await json<{ id: string }>(post(`/api/deployments/${d.id}/runs`, {}));
    await drive(first.id);
    await drive(second.id);
    const limit = await getLimit(`deployment:${d.id}`);
    expect(limit.limit).toBe(1);
    expect(limit.holders.map((h) => h.runId)).toEqual([first.id]);
    expect(limit.waiters.map((w) => w.runId)).toEqual([second.id]);
    expect((await getRun(second.id)).state.name).toBe("AwaitingConcurrencySlot");

    // Raising the deployment's limit reaches the limit in use: the second run is admitted.
    await json(send("PATCH", `/api/deployments/${d.id}`, { concurrencyLimit: 2 }));
    const raised = await getLimit(`deployment:${d.id}`);
    expect(raised.limit).toBe(2);
    expect(raised.waiters).toEqual([]);
  });

  it("keyed: each value of the key has its own limit", async () => {
    const d = await createDeployment({
      flowName: "approval",
      name: unique("per-customer"),
      concurrencyLimit: 1,
      concurrencyKey: "customer",
    });
    const a = await json<{ id: string }>(
      post(`/api/deployments/${d.id}/runs`, { parameters: { customer: "acme" } }),
    );
    const b = await json<{ id: string }>(
      post(`/api/deployments/${d.id}/runs`, { parameters: { customer: 42 } }),
    );
    await drive(a.id);
    await drive(b.id);
    expect((await getLimit(`deployment:${d.id}:acme`)).holders.map((h) => h.runId)).toEqual([a.id]);
    expect((await getLimit(`deployment:${d.id}:42`)).holders.map((h) => h.runId)).toEqual([b.id]);

    // Deleting the deployment removes its limits.
    expect((await send("DELETE", `/api/deployments/${d.id}`)).status).toBe(200);
    await expectError(api(limitPath(`deployment:${d.id}:acme`)), 404, "not_found");
  });
});
