/**
 * A deployment's concurrency limit on the scheduler's path: the tick creates a limited
 * deployment's scheduled runs with their slot, so when they start one holds
 * `deployment:<id>` and the next waits in line; a keyed deployment whose defaults lack the
 * key's value gets no runs, and the tick says why.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import type { Deployment } from "../../protocol/deployment.ts";
import { FlowRegistry } from "../registry.ts";
import { runSchedulerTick } from "../scheduler/tick.ts";
import { api, drive, json, post, testEnv, useFakeTime } from "./helpers.ts";
import { testFlows } from "./test_flows.ts";

const clock = useFakeTime();
const registry = new FlowRegistry(testFlows);
const HOUR = 3_600_000;

async function createDeployment(body: Record<string, unknown>): Promise<Deployment> {
  const res = await post("/api/deployments", body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as Deployment;
}

async function scheduledRuns(deploymentId: string): Promise<string[]> {
  const { results } = await testEnv.DB.prepare(
    "SELECT id FROM runs WHERE deployment_id = ? ORDER BY scheduled_at",
  )
    .bind(deploymentId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

describe("the scheduler's runs of a limited deployment", { timeout: 30_000 }, () => {
  it("take their slot: the first scheduled run holds it, the next waits", async () => {
    const now = Math.ceil((Date.now() + 1) / HOUR) * HOUR;
    clock.set(now);
    const d = await createDeployment({
      flowName: "approval",
      name: `tick-limited-${crypto.randomUUID().slice(0, 8)}`,
      schedules: [{ schedule: { interval: 3600 } }],
      concurrencyLimit: 1,
    });
    const summary = await runSchedulerTick(testEnv, registry, now);
    expect(summary.problems).toEqual([]);
    const [first, second] = await scheduledRuns(d.id);
    expect(first && second).toBeTruthy();
    // Each at its time (a run started over a minute late would be a missed one).
    clock.set(now + HOUR + 1000);
    await drive(first as string);
    clock.set(now + 2 * HOUR + 1000);
    await drive(second as string);
    const limit = await json<ConcurrencyLimit>(
      api(`/api/concurrency-limits/${encodeURIComponent(`deployment:${d.id}`)}`),
    );
    expect(limit.holders.map((h) => h.runId)).toEqual([first]);
    expect(limit.waiters.map((w) => w.runId)).toEqual([second]);
    // Deleting the deployment discards its unstarted runs and removes its limit.
    expect((await api(`/api/deployments/${d.id}`, { method: "DELETE" })).status).toBe(200);
  });

  it("a keyed deployment whose defaults lack the key creates no run, and says why", async () => {
    const now = Math.ceil((Date.now() + 1) / HOUR) * HOUR;
    clock.set(now);
    const d = await createDeployment({
      flowName: "approval",
      name: `tick-keyed-${crypto.randomUUID().slice(0, 8)}`,
      schedules: [{ schedule: { interval: 3600 } }],
      concurrencyLimit: 1,
      concurrencyKey: "customer",
    });
    const summary = await runSchedulerTick(testEnv, registry, now);
    const mine = summary.problems.filter((p) => p.scheduleId === d.schedules[0]?.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.message).toContain("parameters.customer");
    expect(await scheduledRuns(d.id)).toEqual([]);
    expect((await api(`/api/deployments/${d.id}`, { method: "DELETE" })).status).toBe(200);
  });
});
