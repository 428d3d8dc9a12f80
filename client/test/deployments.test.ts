// The client's deployment, schedule and scheduler methods (client/deployments.ts) under Node
// against the real Worker under `wrangler dev`, with a token: create, read by id and by
// `flow/name`, change, pause and resume a deployment of the offline `elevator` flow; its
// schedules; a run from it; the scheduler's tick and the upcoming runs it makes; the schedule
// preview; and the API's errors (422 naming the field, 404, 401).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { z } from "@hono/zod-openapi";
import { type DevServer, startServer } from "../../cli/test/server.ts";
import type { CreateDeploymentBody, UpdateDeploymentBody } from "../../protocol/deployment.ts";
import {
  type CreateDeploymentInput,
  type Deployment,
  type UpdateDeploymentInput,
  WeirApiError,
  WeirClient,
} from "../mod.ts";

// The client's body types and the API's zod schemas describe the same bodies: what the client
// sends, the schema takes; what the schema makes of a body, the client's type holds.
const inputsFitTheSchema: [
  CreateDeploymentInput extends z.input<typeof CreateDeploymentBody> ? true : false,
  z.output<typeof CreateDeploymentBody> extends CreateDeploymentInput ? true : false,
  UpdateDeploymentInput extends z.input<typeof UpdateDeploymentBody> ? true : false,
  z.output<typeof UpdateDeploymentBody> extends UpdateDeploymentInput ? true : false,
] = [true, true, true, true];
void inputsFitTheSchema;

const TOKEN = "deployments-token";

/** The API's error, or a failed assertion if the call succeeded or failed otherwise. */
async function apiError(call: Promise<unknown>): Promise<WeirApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof WeirApiError, `expected a WeirApiError, got ${String(error)}`);
  return error;
}

describe("WeirClient deployments against a local Worker", { timeout: 300_000 }, () => {
  let server: DevServer;
  let client: WeirClient;
  let created: Deployment;

  before(async () => {
    server = await startServer({ token: TOKEN });
    client = new WeirClient({ baseUrl: server.url, token: TOKEN });
  });
  after(async () => {
    await server?.stop();
  });

  test("create, list, get by id and by name, resolve a reference", async () => {
    created = await client.createDeployment({
      flowName: "elevator",
      name: "client-test",
      tags: ["client"],
      parameters: { floors: 2, msPerFloor: 0 },
      schedules: [{ schedule: { interval: "1h" } }],
    });
    assert.equal(created.flowName, "elevator");
    assert.equal(created.source, "api");
    assert.equal(created.catchUp, "skip");
    assert.equal(created.schedules.length, 1);
    assert.equal(created.schedules[0]?.active, true);

    const listed = await client.listDeployments();
    assert.ok(listed.some((d) => d.id === created.id));
    assert.equal((await client.getDeployment(created.id)).name, "client-test");
    assert.equal((await client.getDeploymentByName("elevator", "client-test")).id, created.id);
    assert.equal((await client.resolveDeployment("elevator/client-test")).id, created.id);
    assert.equal((await client.resolveDeployment(created.id)).id, created.id);

    const duplicate = await apiError(
      client.createDeployment({ flowName: "elevator", name: "client-test" }),
    );
    assert.equal(duplicate.status, 409);
  });

  test("update; pause and resume", async () => {
    const updated = await client.updateDeployment(created.id, {
      description: "from the client test",
      catchUp: "latest",
    });
    assert.equal(updated.description, "from the client test");
    assert.equal(updated.catchUp, "latest");
    assert.deepEqual(updated.parameters, { floors: 2, msPerFloor: 0 });

    const paused = await client.pauseDeployment(created.id);
    assert.equal(paused.paused, true);
    const resumed = await client.resumeDeployment(created.id);
    assert.equal(resumed.paused, false);
  });

  test("the scheduler's tick creates the upcoming runs, soonest first", async () => {
    const tick = await client.schedulerTick();
    assert.ok(tick.schedulesDue >= 1, JSON.stringify(tick));
    assert.ok(tick.runsCreated >= 3, JSON.stringify(tick));
    assert.ok(Array.isArray(tick.problems));
    const upcoming = await client.listDeploymentRuns(created.id, { state: "SCHEDULED" });
    assert.ok(upcoming.runs.length >= 3, JSON.stringify(upcoming));
    assert.ok(upcoming.runs.every((r) => r.deploymentId === created.id));
    const times = upcoming.runs.map((r) => r.scheduledAt as number);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    const page = await client.listDeploymentRuns(created.id, { state: "SCHEDULED", limit: 1 });
    assert.equal(page.runs.length, 1);
    assert.ok(page.nextCursor !== null);
    const next = await client.listDeploymentRuns(created.id, {
      state: "SCHEDULED",
      limit: 1,
      cursor: page.nextCursor,
    });
    assert.equal(next.runs[0]?.id, upcoming.runs[1]?.id);
  });

  test("a run of the deployment: defaults merged, 422 naming the parameter", async () => {
    const run = await client.createDeploymentRun(created.id, {
      parameters: { floors: 1 },
      tags: ["extra"],
      idempotencyKey: "client-k1",
      scheduledAt: Date.now() + 3_600_000,
    });
    assert.deepEqual(run.parameters, { floors: 1, msPerFloor: 0 });
    assert.ok(run.tags.includes("client") && run.tags.includes("extra"), run.tags.join());
    assert.equal(run.state?.type, "SCHEDULED");
    const again = await client.createDeploymentRun(created.id, {
      parameters: { floors: 1 },
      tags: ["extra"],
      idempotencyKey: "client-k1",
      scheduledAt: run.stateHistory[0]?.timestamp ?? Date.now(),
    });
    assert.equal(again.id, run.id);
    const invalid = await apiError(
      client.createDeploymentRun(created.id, { parameters: { floors: 0 } }),
    );
    assert.equal(invalid.status, 422);
    assert.equal(invalid.field, "parameters.floors");
  });

  test("schedules: add, deactivate, change, remove; a bad one is a 422 naming the field", async () => {
    const withCron = await client.createSchedule(created.id, {
      schedule: { cron: "0 0 * * *", timezone: "America/Sao_Paulo" },
    });
    const added = withCron.schedules.at(-1);
    assert.ok(added !== undefined);
    assert.deepEqual(added.schedule, { cron: "0 0 * * *", timezone: "America/Sao_Paulo" });
    assert.equal(typeof added.nextRunAt, "number");

    const off = await client.updateSchedule(created.id, added.id, { active: false });
    const offSchedule = off.schedules.find((s) => s.id === added.id);
    assert.equal(offSchedule?.active, false);
    assert.equal(offSchedule?.nextRunAt, null);
    const changed = await client.updateSchedule(created.id, added.id, {
      schedule: { interval: "2h" },
      active: true,
    });
    assert.deepEqual(changed.schedules.find((s) => s.id === added.id)?.schedule, {
      interval: "2h",
    });
    await client.deleteSchedule(created.id, added.id);
    const after = await client.getDeployment(created.id);
    assert.ok(!after.schedules.some((s) => s.id === added.id));

    const badCron = await apiError(
      client.createSchedule(created.id, { schedule: { cron: "61 * * * *" } }),
    );
    assert.equal(badCron.status, 422);
    assert.equal(badCron.field, "schedule.cron");
    const badZone = await apiError(
      client.createSchedule(created.id, { schedule: { cron: "0 0 * * *", timezone: "Mars/Base" } }),
    );
    assert.equal(badZone.field, "schedule.timezone");
    const unknown = await apiError(client.deleteSchedule(created.id, crypto.randomUUID()));
    assert.equal(unknown.status, 404);
  });

  test("the schedule preview answers times with the zone's offset, and words", async () => {
    const preview = await client.previewSchedule(
      { cron: "0 0 * * *", timezone: "America/Sao_Paulo" },
      { from: "2030-01-01T00:00:00Z", count: 3 },
    );
    assert.deepEqual(preview.times, [
      "2030-01-01T00:00:00-03:00",
      "2030-01-02T00:00:00-03:00",
      "2030-01-03T00:00:00-03:00",
    ]);
    assert.equal(preview.description, "At 00:00 in America/Sao_Paulo");
    const badRule = await apiError(client.previewSchedule({ rrule: "FREQ=SOMETIMES" }));
    assert.equal(badRule.status, 422);
    assert.match(badRule.field ?? "", /rrule$/);
  });

  test("delete; then it is a 404; without the token, a 401", async () => {
    await client.deleteDeployment(created.id);
    const gone = await apiError(client.getDeployment(created.id));
    assert.equal(gone.status, 404);
    assert.equal(gone.code, "not_found");
    const byName = await apiError(client.resolveDeployment("elevator/client-test"));
    assert.equal(byName.status, 404);
    const anonymous = new WeirClient({ baseUrl: server.url, token: null });
    const refused = await apiError(anonymous.listDeployments());
    assert.equal(refused.status, 401);
  });
});
