/**
 * Deployments over the API: create, read by id and by name, list, change, delete; the 422s
 * that name the field (a bad schedule, a bad default, an unknown flow), the 409 for a taken
 * name; runs of a deployment (defaults merged, tags merged, 422 `parameters.<field>`); pause
 * and resume; schedule sub-routes.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import type { Deployment } from "../../protocol/deployment.ts";
import { FlowRegistry } from "../registry.ts";
import { runSchedulerTick } from "../scheduler/tick.ts";
import {
  api,
  expectError,
  json,
  post,
  type Run,
  testEnv,
  UNKNOWN_RUN,
  useFakeTime,
} from "./helpers.ts";
import { testFlows } from "./test_flows.ts";

useFakeTime();

let counter = 0;
/** A deployment name no other test uses. */
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

async function createDeployment(body: Record<string, unknown>): Promise<Deployment> {
  const res = await post("/api/deployments", body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as Deployment;
}

function send(method: string, path: string, body?: unknown): Promise<Response> {
  return api(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
}

async function scheduleRow(id: string) {
  return testEnv.DB.prepare(
    "SELECT active, scheduled_until, due_at, spec FROM deployment_schedules WHERE id = ?",
  )
    .bind(id)
    .first<{
      active: number;
      scheduled_until: number | null;
      due_at: number | null;
      spec: string;
    }>();
}

describe("deployments CRUD", () => {
  it("creates a deployment and reads it by id, by name and in the list", async () => {
    const name = uniqueName("hourly");
    const created = await createDeployment({
      flowName: "sum",
      name,
      description: "Adds up to n",
      version: "1",
      tags: ["nightly"],
      parameters: { n: 5 },
      schedules: [{ schedule: { interval: 3600 } }],
      catchUp: "latest",
    });
    expect(created).toMatchObject({
      flowName: "sum",
      name,
      description: "Adds up to n",
      version: "1",
      tags: ["nightly"],
      parameters: { n: 5 },
      paused: false,
      catchUp: "latest",
      source: "api",
    });
    expect(created.schedules).toHaveLength(1);
    const [schedule] = created.schedules;
    expect(schedule?.active).toBe(true);
    expect(schedule?.schedule).toEqual({ interval: 3600 });
    expect(schedule?.nextRunAt).toBeGreaterThan(Date.now());
    // Due at once: the next tick schedules it from now.
    expect((await scheduleRow(schedule?.id ?? ""))?.due_at).toBe(Date.now());

    expect(await json(api(`/api/deployments/${created.id}`))).toEqual(created);
    expect(await json(api(`/api/deployments/name/sum/${name}`))).toEqual(created);
    const { deployments } = await json<{ deployments: Deployment[] }>(api("/api/deployments"));
    expect(deployments.map((d) => d.id)).toContain(created.id);
    const ofNap = await json<{ deployments: Deployment[] }>(api("/api/deployments?flow=nap"));
    expect(ofNap.deployments.map((d) => d.id)).not.toContain(created.id);
  });

  it("changes a deployment with PATCH, keeping unchanged schedules' ids", async () => {
    const created = await createDeployment({
      flowName: "sum",
      name: uniqueName("patch"),
      schedules: [{ schedule: { cron: "0 * * * *" } }],
    });
    const kept = created.schedules[0]?.id;
    const res = await send("PATCH", `/api/deployments/${created.id}`, {
      description: "changed",
      tags: ["a", "b"],
      parameters: { n: 7 },
      schedules: [{ schedule: { cron: "0 * * * *" } }, { schedule: { interval: "2h" } }],
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const patched = (await res.json()) as Deployment;
    expect(patched).toMatchObject({
      description: "changed",
      tags: ["a", "b"],
      parameters: { n: 7 },
    });
    expect(patched.schedules.map((s) => s.schedule)).toEqual([
      { cron: "0 * * * *" },
      { interval: "2h" },
    ]);
    expect(patched.schedules[0]?.id).toBe(kept);
    expect(patched.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);
  });

  it("deletes a deployment; then it is not found", async () => {
    const created = await createDeployment({ flowName: "sum", name: uniqueName("gone") });
    const res = await send("DELETE", `/api/deployments/${created.id}`);
    expect(await res.json()).toEqual({ id: created.id, deleted: true });
    await expectError(api(`/api/deployments/${created.id}`), 404, "not_found");
    await expectError(send("DELETE", `/api/deployments/${created.id}`), 404, "not_found");
    await expectError(api(`/api/deployments/name/sum/${created.name}`), 404, "not_found");
  });

  it("answers 404 for unknown ids and 400 for malformed ones", async () => {
    await expectError(api(`/api/deployments/${UNKNOWN_RUN}`), 404, "not_found");
    await expectError(api("/api/deployments/not-a-uuid"), 400, "bad_request", "id");
    await expectError(post(`/api/deployments/${UNKNOWN_RUN}/pause`), 404, "not_found");
    await expectError(post(`/api/deployments/${UNKNOWN_RUN}/runs`, {}), 404, "not_found");
  });

  it("is listed in the OpenAPI document", async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      api("/api/openapi.json"),
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/deployments",
        "/api/deployments/{id}",
        "/api/deployments/name/{flow}/{deployment}",
        "/api/deployments/{id}/pause",
        "/api/deployments/{id}/resume",
        "/api/deployments/{id}/runs",
        "/api/deployments/{id}/schedules",
        "/api/deployments/{id}/schedules/{scheduleId}",
      ]),
    );
    expect(Object.keys(doc.paths["/api/deployments/{id}"] ?? {}).sort()).toEqual([
      "delete",
      "get",
      "patch",
    ]);
  });
});

describe("deployment validation", () => {
  it("refuses a taken flow/name with 409", async () => {
    const name = uniqueName("twice");
    await createDeployment({ flowName: "sum", name });
    await expectError(post("/api/deployments", { flowName: "sum", name }), 409, "conflict", "name");
    // The same name for another flow is another deployment.
    await createDeployment({ flowName: "nap", name });
  });

  it("names the field of a bad schedule", async () => {
    const base = { flowName: "sum", name: uniqueName("bad-schedule") };
    await expectError(
      post("/api/deployments", { ...base, schedules: [{ schedule: { cron: "61 * * * *" } }] }),
      422,
      "invalid_value",
      "schedules.0.schedule.cron",
    );
    await expectError(
      post("/api/deployments", {
        ...base,
        schedules: [
          { schedule: { interval: "1h" } },
          { schedule: { cron: "0 0 * * *", timezone: "Mars/Olympus_Mons" } },
        ],
      }),
      422,
      "invalid_value",
      "schedules.1.schedule.timezone",
    );
    await expectError(api(`/api/deployments/name/sum/${base.name}`), 404, "not_found");
  });

  it("names the default parameter that does not fit the flow", async () => {
    const error = await expectError(
      post("/api/deployments", {
        flowName: "sum",
        name: uniqueName("bad-default"),
        parameters: { n: "five" },
      }),
      422,
      "invalid_parameters",
      "parameters.n",
    );
    expect(error.message).toContain("sum");
  });

  it("accepts defaults that leave a required parameter to each run", async () => {
    const created = await createDeployment({ flowName: "nap", name: uniqueName("no-ms") });
    expect(created.parameters).toEqual({});
  });

  it("refuses an unknown flow with a 422 listing the registered ones", async () => {
    const error = await expectError(
      post("/api/deployments", { flowName: "no-such-flow", name: "x" }),
      422,
      "invalid_value",
      "flowName",
    );
    expect(error.message).toContain("sum");
  });

  it("names the field of a bad PATCH", async () => {
    const created = await createDeployment({ flowName: "sum", name: uniqueName("bad-patch") });
    await expectError(
      send("PATCH", `/api/deployments/${created.id}`, {
        schedules: [{ schedule: { interval: "soon" } }],
      }),
      422,
      "invalid_value",
      "schedules.0.schedule.interval",
    );
    await expectError(
      send("PATCH", `/api/deployments/${created.id}`, { parameters: { n: -1 } }),
      422,
      "invalid_parameters",
      "parameters.n",
    );
    expect(await json(api(`/api/deployments/${created.id}`))).toEqual(created);
  });
});

describe("runs of a deployment", () => {
  it("merges the defaults and tags, and records the deployment on the run", async () => {
    const d = await createDeployment({
      flowName: "sum",
      name: uniqueName("runs"),
      tags: ["deployed"],
      parameters: { n: 5 },
    });
    const res = await post(`/api/deployments/${d.id}/runs`, { tags: ["adhoc", "deployed"] });
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const run = JSON.parse(text) as Run;
    expect(run.parameters).toEqual({ n: 5 });
    expect(run.deploymentId).toBe(d.id);
    expect(run.scheduleId).toBeNull();
    expect(run.tags).toEqual(expect.arrayContaining(["deployed", "adhoc"]));
    expect(run.tags.filter((t) => t === "deployed")).toHaveLength(1);

    const overridden = await json<Run>(
      post(`/api/deployments/${d.id}/runs`, { parameters: { n: 2 } }),
    );
    expect(overridden.parameters).toEqual({ n: 2 });

    const page = await json<{ runs: { id: string; deploymentId: string }[]; count: number }>(
      api(`/api/runs?deployment=${d.id}`),
    );
    expect(page.count).toBe(2);
    expect(page.runs.map((r) => r.deploymentId)).toEqual([d.id, d.id]);
    const own = await json<{ runs: { id: string }[]; count: number }>(
      api(`/api/deployments/${d.id}/runs`),
    );
    expect(own.runs.map((r) => r.id).sort()).toEqual([run.id, overridden.id].sort());
  });

  it("answers 422 naming parameters.<field> for merged parameters that do not fit", async () => {
    const sum = await createDeployment({ flowName: "sum", name: uniqueName("runs-bad") });
    await expectError(
      post(`/api/deployments/${sum.id}/runs`, { parameters: { n: "x" } }),
      422,
      "invalid_parameters",
      "parameters.n",
    );
    const nap = await createDeployment({ flowName: "nap", name: uniqueName("runs-missing") });
    await expectError(
      post(`/api/deployments/${nap.id}/runs`, {}),
      422,
      "invalid_parameters",
      "parameters.ms",
    );
    expect((await json<{ count: number }>(api(`/api/runs?deployment=${nap.id}`))).count).toBe(0);
  });

  it("lists upcoming runs with state=SCHEDULED, soonest first", async () => {
    const d = await createDeployment({ flowName: "sum", name: uniqueName("upcoming") });
    const later = await json<Run>(
      post(`/api/deployments/${d.id}/runs`, { scheduledAt: Date.now() + 7_200_000 }),
    );
    const sooner = await json<Run>(
      post(`/api/deployments/${d.id}/runs`, { scheduledAt: Date.now() + 3_600_000 }),
    );
    const page = await json<{ runs: { id: string }[]; count: number; nextCursor: string | null }>(
      api(`/api/deployments/${d.id}/runs?state=SCHEDULED&limit=1`),
    );
    expect(page.count).toBe(2);
    expect(page.runs.map((r) => r.id)).toEqual([sooner.id]);
    expect(page.nextCursor).not.toBeNull();
    const next = await json<{ runs: { id: string }[]; nextCursor: string | null }>(
      api(`/api/deployments/${d.id}/runs?state=SCHEDULED&limit=1&cursor=${page.nextCursor}`),
    );
    expect(next.runs.map((r) => r.id)).toEqual([later.id]);
    expect(next.nextCursor).toBeNull();
  });

  it("makes the same run for the same idempotency key, scoped to the deployment", async () => {
    const d = await createDeployment({ flowName: "sum", name: uniqueName("idem") });
    const first = await post(`/api/deployments/${d.id}/runs`, { idempotencyKey: "k1" });
    expect(first.status).toBe(201);
    const again = await post(`/api/deployments/${d.id}/runs`, { idempotencyKey: "k1" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Run).id).toBe(((await first.json()) as Run).id);
    await expectError(
      post(`/api/deployments/${d.id}/runs`, { idempotencyKey: "k1", parameters: { n: 9 } }),
      409,
      "conflict",
      "idempotencyKey",
    );
  });
});

describe("pause, resume and schedules", () => {
  it("pauses and resumes: flags, and when the schedules are next due", async () => {
    const d = await createDeployment({
      flowName: "sum",
      name: uniqueName("pausable"),
      schedules: [
        { schedule: { interval: "1h" } },
        { schedule: { cron: "0 0 * * *" }, active: false },
      ],
    });
    const [on, off] = d.schedules.map((s) => s.id);
    const paused = await json<Deployment>(post(`/api/deployments/${d.id}/pause`));
    expect(paused.paused).toBe(true);
    expect(paused.schedules.map((s) => s.nextRunAt)).toEqual([null, null]);
    expect(await scheduleRow(on ?? "")).toMatchObject({ due_at: null, scheduled_until: null });

    const resumed = await json<Deployment>(post(`/api/deployments/${d.id}/resume`));
    expect(resumed.paused).toBe(false);
    expect(resumed.schedules[0]?.nextRunAt).toBeGreaterThan(Date.now());
    expect(resumed.schedules[1]?.nextRunAt).toBeNull();
    expect((await scheduleRow(on ?? ""))?.due_at).toBe(Date.now());
    expect((await scheduleRow(off ?? ""))?.due_at).toBeNull();
  });

  it("keeps runs created by hand when pausing", async () => {
    const d = await createDeployment({
      flowName: "sum",
      name: uniqueName("manual"),
      schedules: [{ schedule: { interval: "1h" } }],
    });
    const run = await json<Run>(
      post(`/api/deployments/${d.id}/runs`, { scheduledAt: Date.now() + 3_600_000 }),
    );
    await post(`/api/deployments/${d.id}/pause`);
    expect((await api(`/api/runs/${run.id}`)).status).toBe(200);
  });

  it("adds, changes and removes schedules", async () => {
    const d = await createDeployment({ flowName: "sum", name: uniqueName("schedules") });
    const res = await post(`/api/deployments/${d.id}/schedules`, {
      schedule: { cron: "30 9 * * 1-5", timezone: "Europe/Madrid" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const added = (await res.json()) as Deployment;
    const scheduleId = added.schedules[0]?.id ?? "";
    expect(added.schedules[0]).toMatchObject({ active: true });

    await expectError(
      post(`/api/deployments/${d.id}/schedules`, { schedule: { rrule: "FREQ=SOMETIMES" } }),
      422,
      "invalid_value",
      "schedule.rrule",
    );
    await expectError(
      send("PATCH", `/api/deployments/${d.id}/schedules/${scheduleId}`, {
        schedule: { cron: "not cron" },
      }),
      422,
      "invalid_value",
      "schedule.cron",
    );

    const inactive = await json<Deployment>(
      send("PATCH", `/api/deployments/${d.id}/schedules/${scheduleId}`, { active: false }),
    );
    expect(inactive.schedules[0]).toMatchObject({ id: scheduleId, active: false, nextRunAt: null });
    expect((await scheduleRow(scheduleId))?.due_at).toBeNull();

    const changed = await json<Deployment>(
      send("PATCH", `/api/deployments/${d.id}/schedules/${scheduleId}`, {
        schedule: { interval: "30m" },
        active: true,
      }),
    );
    expect(changed.schedules[0]).toMatchObject({ id: scheduleId, schedule: { interval: "30m" } });
    expect(await scheduleRow(scheduleId)).toMatchObject({
      due_at: Date.now(),
      scheduled_until: null,
    });

    await expectError(
      send("DELETE", `/api/deployments/${d.id}/schedules/${UNKNOWN_RUN}`),
      404,
      "not_found",
    );
    const removed = await json<Deployment>(
      send("DELETE", `/api/deployments/${d.id}/schedules/${scheduleId}`),
    );
    expect(removed.schedules).toEqual([]);
    expect(await scheduleRow(scheduleId)).toBeNull();
  });
});

describe("with the scheduler's tick", () => {
  const registry = new FlowRegistry(testFlows);

  async function upcoming(id: string): Promise<{ id: string; scheduledAt: number }[]> {
    const page = await json<{ runs: { id: string; scheduledAt: number }[] }>(
      api(`/api/deployments/${id}/runs?state=SCHEDULED&limit=200`),
    );
    return page.runs;
  }

  it("pausing, editing and removing schedules discard their unstarted runs, not others", async () => {
    const d = await createDeployment({
      flowName: "sum",
      name: uniqueName("ticked"),
      schedules: [{ schedule: { interval: "1h" } }, { schedule: { interval: "2h" } }],
    });
    const [hourly, twoHourly] = d.schedules.map((s) => s.id ?? "");
    const manual = await json<Run>(
      post(`/api/deployments/${d.id}/runs`, { scheduledAt: Date.now() + 1_800_000 }),
    );
    await runSchedulerTick(testEnv, registry, Date.now());
    const scheduled = await upcoming(d.id);
    expect(scheduled.length).toBeGreaterThan(3);
    expect(scheduled.map((r) => r.id)).toContain(manual.id);

    // Deactivating one schedule discards its runs only.
    const bySchedule = async (scheduleId: string) =>
      (
        await testEnv.DB.prepare("SELECT COUNT(*) AS n FROM runs WHERE schedule_id = ?")
          .bind(scheduleId)
          .first<{ n: number }>()
      )?.n;
    expect(await bySchedule(twoHourly ?? "")).toBeGreaterThan(0);
    const hourlyRuns = await bySchedule(hourly ?? "");
    await send("PATCH", `/api/deployments/${d.id}/schedules/${twoHourly}`, { active: false });
    expect(await bySchedule(twoHourly ?? "")).toBe(0);
    expect(await bySchedule(hourly ?? "")).toBe(hourlyRuns);

    // Pausing discards the rest of the scheduler's runs; the run made by hand stays.
    await post(`/api/deployments/${d.id}/pause`);
    expect((await upcoming(d.id)).map((r) => r.id)).toEqual([manual.id]);
    await runSchedulerTick(testEnv, registry, Date.now());
    expect((await upcoming(d.id)).map((r) => r.id)).toEqual([manual.id]);

    // Resuming schedules again from now.
    await post(`/api/deployments/${d.id}/resume`);
    await runSchedulerTick(testEnv, registry, Date.now());
    expect(await bySchedule(hourly ?? "")).toBeGreaterThan(0);
    expect(await bySchedule(twoHourly ?? "")).toBe(0);

    // Changing the spec discards the old runs; the next tick makes the new ones.
    await send("PATCH", `/api/deployments/${d.id}/schedules/${hourly}`, {
      schedule: { interval: "3h" },
    });
    expect(await bySchedule(hourly ?? "")).toBe(0);
    await runSchedulerTick(testEnv, registry, Date.now());
    const after = (await upcoming(d.id)).filter((r) => r.id !== manual.id);
    expect(after.length).toBeGreaterThan(0);
    const gaps = after.slice(1).map((r, i) => r.scheduledAt - (after[i]?.scheduledAt ?? 0));
    expect(new Set(gaps)).toEqual(new Set([3 * 3_600_000]));

    // Deleting the deployment discards its scheduled runs; the run made by hand stays.
    await send("DELETE", `/api/deployments/${d.id}`);
    expect(await bySchedule(hourly ?? "")).toBe(0);
    expect((await api(`/api/runs/${manual.id}`)).status).toBe(200);
  });
});
