import { runDurableObjectAlarm, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const testEnv = env as unknown as { FLOW_RUNS: DurableObjectNamespace; DB: D1Database };

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`https://weir.test${path}`, init);
}

async function post(path: string, body?: unknown): Promise<Response> {
  return api(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Fires the run's alarm until it has nothing due now (at most `max` times). */
async function driveRun(runId: string, max = 20): Promise<void> {
  const stub = testEnv.FLOW_RUNS.get(testEnv.FLOW_RUNS.idFromName(runId));
  for (let i = 0; i < max; i++) {
    if (!(await runDurableObjectAlarm(stub))) return;
  }
}

describe("api", () => {
  it("answers health", async () => {
    const res = await api("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("creates a run and runs it to completion from its alarm", async () => {
    const res = await post("/api/flows/sum/runs", { parameters: { n: 4 } });
    expect(res.status).toBe(201);
    const run = (await res.json()) as { id: string; state: { type: string } };
    expect(run.state.type).toBe("PENDING");
    await driveRun(run.id);
    const done = (await (await api(`/api/runs/${run.id}`)).json()) as {
      state: { type: string };
      result: number;
      taskRuns: { runName: string }[];
    };
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(10);
    expect(done.taskRuns.map((t) => t.runName)).toEqual(["add-0", "add-1", "add-2", "add-3"]);
  });
});
