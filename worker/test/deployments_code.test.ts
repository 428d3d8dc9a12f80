/**
 * Deployments declared in code: refused by `createWeirWorker` when invalid (naming the
 * deployment and the field), applied once per code hash (a second apply of the same
 * declarations reads one row and writes nothing), updated when a declaration changes
 * (keeping ids), and deleted when no longer declared.
 *
 * @module
 */

import { createExecutionContext } from "cloudflare:test";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expect, it } from "vitest";
import type { Deployment } from "../../protocol/deployment.ts";
import { deployment, flow } from "../../runtime/host.ts";
import { createWeirWorker } from "../app.ts";
import {
  applyCodeDeployments,
  CODE_HASH_KEY,
  checkCodeDeployments,
  codeDeploymentId,
} from "../deployments/apply_code.ts";
import { FlowRegistry } from "../registry.ts";
import { api, json, ORIGIN, testEnv, useFakeTime } from "./helpers.ts";
import { testDeployments } from "./test_deployments.ts";
import { nap, sum, testFlows } from "./test_flows.ts";

useFakeTime();

const registry = new FlowRegistry(testFlows);

async function byName(flowName: string, name: string): Promise<Deployment | undefined> {
  const res = await api(`/api/deployments/name/${flowName}/${name}`);
  return res.status === 404 ? undefined : ((await res.json()) as Deployment);
}

describe("createWeirWorker refuses invalid code deployments", () => {
  it("a deployment of a flow the Worker does not register", () => {
    expect(() =>
      createWeirWorker({ flows: [sum], deployments: [deployment(nap, { name: "hourly" })] }),
    ).toThrow(/'nap\/hourly'.*flowName.*nap/);
  });

  it("a schedule that means nothing", () => {
    expect(() =>
      createWeirWorker({
        flows: [sum],
        deployments: [deployment(sum, { name: "bad-cron", schedules: [{ cron: "99 * * * *" }] })],
      }),
    ).toThrow(/'sum\/bad-cron'.*schedules\.0\.schedule\.cron/);
  });

  it("a default parameter that does not fit the flow", () => {
    expect(() =>
      createWeirWorker({
        flows: [sum],
        deployments: [
          deployment(sum, { name: "bad-default", parameters: { n: "x" as unknown as number } }),
        ],
      }),
    ).toThrow(/'sum\/bad-default'.*parameters\.n/);
  });

  it("a malformed field, and the same name twice", () => {
    expect(() =>
      createWeirWorker({
        flows: [sum],
        deployments: [deployment(sum, { name: "tags", tags: [""] })],
      }),
    ).toThrow(/'sum\/tags'.*tags\.0/);
    expect(() =>
      createWeirWorker({
        flows: [sum],
        deployments: [deployment(sum, { name: "twice" }), deployment(sum, { name: "twice" })],
      }),
    ).toThrow(/'sum\/twice'.*declared twice/);
  });

  it("accepts defaults that leave a required parameter to each run", () => {
    expect(() =>
      createWeirWorker({ flows: [nap], deployments: [deployment(nap, { name: "later" })] }),
    ).not.toThrow();
  });

  it("leaves defaults of an asynchronous schema to apply time, and refuses them there", async () => {
    const asyncSchema: StandardSchemaV1<{ n: number }> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: async (value) =>
          typeof (value as { n?: unknown }).n === "number"
            ? { value: value as { n: number } }
            : { issues: [{ message: "n must be a number", path: ["n"] }] },
      },
    };
    // biome-ignore lint/correctness/useYield: a flow body need not run any step
    const slow = flow({ name: "slow-schema", params: asyncSchema }, async function* ({ n }) {
      return n;
    });
    const bad = deployment(slow, { name: "bad", parameters: { n: "x" as unknown as number } });
    const local = new FlowRegistry([slow]);
    const code = checkCodeDeployments(local, [bad]);
    expect(code[0]?.checkDefaultsWhenApplied).toBe(true);
    const report = await applyCodeDeployments(testEnv, code, Date.now());
    expect(report.refused).toEqual(["slow-schema/bad"]);
    expect(await byName("slow-schema", "bad")).toBeUndefined();
  });
});

describe("applying code deployments", () => {
  it("applies once per hash, updates changed declarations and deletes removed ones", async () => {
    // The test Worker applies its own declarations on its isolate's first request: let that
    // happen now, not between the applies below.
    await api("/api/health");
    const hourly = { interval: "1h" } as const;
    const first = checkCodeDeployments(registry, [
      ...testDeployments,
      deployment(sum, { name: "applied", parameters: { n: 2 }, schedules: [hourly] }),
    ]);
    const report = await applyCodeDeployments(testEnv, first, Date.now());
    expect(report).toMatchObject({ applied: true, deleted: 0, refused: [] });
    const applied = await byName("sum", "applied");
    expect(applied).toMatchObject({
      id: await codeDeploymentId("sum", "applied"),
      source: "code",
      parameters: { n: 2 },
    });
    const code = await byName("sum", "code-sum");
    expect(code).toMatchObject({ source: "code", tags: ["code"], parameters: { n: 4 } });
    expect(code?.schedules[0]).toMatchObject({ active: false, schedule: { cron: "0 3 * * *" } });

    // The same declarations again: nothing is written.
    const again = await applyCodeDeployments(testEnv, first, Date.now() + 1000);
    expect(again).toEqual({ applied: false, created: 0, updated: 0, deleted: 0, refused: [] });
    expect(await byName("sum", "applied")).toEqual(applied);

    // A changed declaration: same id, the unchanged schedule keeps its id; a new one is added.
    const second = checkCodeDeployments(registry, [
      ...testDeployments,
      deployment(sum, {
        name: "applied",
        parameters: { n: 3 },
        schedules: [hourly, { cron: "0 12 * * *" }],
      }),
    ]);
    const changed = await applyCodeDeployments(testEnv, second, Date.now() + 2000);
    expect(changed).toMatchObject({ applied: true, created: 0, updated: 1, deleted: 0 });
    const updated = await byName("sum", "applied");
    expect(updated?.id).toBe(applied?.id);
    expect(updated?.parameters).toEqual({ n: 3 });
    expect(updated?.schedules[0]?.id).toBe(applied?.schedules[0]?.id);
    expect(updated?.schedules).toHaveLength(2);
    expect(updated?.createdAt).toBe(applied?.createdAt);

    // No longer declared: deleted. Deployments made over the API stay.
    const api1 = await json<Deployment>(
      api("/api/deployments", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ flowName: "sum", name: "made-over-api" }),
      }),
    );
    const third = checkCodeDeployments(registry, testDeployments);
    const removed = await applyCodeDeployments(testEnv, third, Date.now() + 3000);
    expect(removed).toMatchObject({ applied: true, deleted: 1 });
    expect(await byName("sum", "applied")).toBeUndefined();
    expect((await byName("sum", "made-over-api"))?.id).toBe(api1.id);
    expect(await byName("sum", "code-sum")).toEqual(code);
    const hash = await testEnv.DB.prepare("SELECT value FROM weir_meta WHERE key = ?")
      .bind(CODE_HASH_KEY)
      .first<{ value: string }>();
    expect(hash?.value).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a Worker applies its declarations on its first request", async () => {
    await api("/api/health"); // the test Worker has applied its own by now, once for its isolate
    const worker = createWeirWorker({
      flows: testFlows,
      deployments: [...testDeployments, deployment(sum, { name: "lazy" })],
    });
    expect(await byName("sum", "lazy")).toBeUndefined();
    const fetch = worker.handler.fetch as (r: Request, e: unknown, c: unknown) => Promise<Response>;
    const res = await fetch(new Request(`${ORIGIN}/api/health`), testEnv, createExecutionContext());
    expect(res.status).toBe(200);
    expect(await byName("sum", "lazy")).toMatchObject({ source: "code" });
    expect(await byName("sum", "code-sum")).toMatchObject({ source: "code" });
  });
});
