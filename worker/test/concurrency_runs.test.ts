// Concurrency limits end to end in the Worker: runs and task runs of real flows take slots
// of limit objects, wait in line (suspended, with no alarm and no polling), are granted by RPC
// from the limit, and give their slots back when they finish or are cancelled. A holder whose
// object dies loses its slot when its lease expires and the limit asks it.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import { limitObject } from "../limits/rpc.ts";
import {
  api,
  createRun,
  drive,
  fireAlarm,
  getRun,
  json,
  post,
  type Run,
  stubOf,
  testEnv,
  useFakeTime,
} from "./helpers.ts";
import { testHooks } from "./test_flows.ts";

const clock = useFakeTime();

async function limitView(name: string): Promise<ConcurrencyLimit | undefined> {
  return limitObject(testEnv, name).view();
}

/** Waits (bounded, in short real pauses: the grant's execution runs on its own) for `check`. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Never happened: ${what}`);
}

/** The lease rows a run's object still keeps. */
function leaseRows(runId: string): Promise<number> {
  return runInDurableObject(stubOf(runId), (_instance, state) => {
    const row = state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM leases").one();
    return row.n;
  });
}

function slotStep(run: Run) {
  return run.steps.find((s) => s.kind === "slot");
}

describe("concurrency() in a flow", () => {
  it("runs of db-writer take the limit 'db' in turn, first in first out, with no alarm between", async () => {
    const limit = `db`;
    const a = await createRun("db-writer", { parameters: { rows: 1 } });
    await drive(a.id);
    expect((await limitView(limit))?.holders.map((h) => h.runId)).toEqual([a.id]);

    const b = await createRun("db-writer", { parameters: { rows: 2 } });
    const c = await createRun("db-writer", { parameters: { rows: 3 } });
    const waitingB = await drive(b.id);
    await drive(c.id);
    expect(waitingB.state.name).toBe("Running");
    expect(slotStep(waitingB)?.state.name).toBe("AwaitingConcurrencySlot");
    expect(slotStep(waitingB)?.state.message).toBe(
      "Waiting for concurrency limit 'db' (1/1 slots held)",
    );
    const line = await limitView(limit);
    expect(line?.waiters.map((w) => w.runId)).toEqual([b.id, c.id]);
    // A run waiting in line holds no alarm: only the grant wakes it.
    expect(await runInDurableObject(stubOf(b.id), (_i, s) => s.storage.getAlarm())).toBeNull();

    expect((await post(`/api/runs/${a.id}/events/done`, {})).status).toBe(200);
    expect((await drive(a.id)).state.name).toBe("Completed");
    // The release granted b, whose object resumed it at once (no alarm fired for b).
    await until("b holds db and waits for its event", async () => {
      const run = await getRun(b.id);
      return run.steps.some((s) => s.kind === "event") ? run : undefined;
    });
    expect((await limitView(limit))?.holders.map((h) => h.runId)).toEqual([b.id]);
    expect((await limitView(limit))?.waiters.map((w) => w.runId)).toEqual([c.id]);

    await post(`/api/runs/${b.id}/events/done`, {});
    await drive(b.id);
    await until("c holds db", async () =>
      (await limitView(limit))?.holders[0]?.runId === c.id ? true : undefined,
    );
    await until("c waits for its event", async () =>
      (await getRun(c.id)).steps.some((s) => s.kind === "event") ? true : undefined,
    );
    await post(`/api/runs/${c.id}/events/done`, {});
    const done = await drive(c.id);
    expect(done.state.name).toBe("Completed");
    expect(done.result).toBe(3);
    const after = await limitView(limit);
    expect(after?.slotsHeld).toBe(0);
    expect(after?.waiters).toEqual([]);
    for (const run of [a, b, c]) expect(await leaseRows(run.id)).toBe(0);
  });

  it("cancelling a run that waits in line takes it out of the line", async () => {
    const a = await createRun("db-writer", { parameters: { rows: 1 } });
    await drive(a.id);
    const b = await createRun("db-writer", { parameters: { rows: 2 } });
    await drive(b.id);
    expect((await limitView("db"))?.waiters.map((w) => w.runId)).toEqual([b.id]);
    expect((await post(`/api/runs/${b.id}/cancel`, {})).status).toBe(200);
    const cancelled = await drive(b.id);
    expect(cancelled.state.name).toBe("Cancelled");
    expect((await limitView("db"))?.waiters).toEqual([]);
    expect(await leaseRows(b.id)).toBe(0);
    await post(`/api/runs/${a.id}/events/done`, {});
    await drive(a.id);
    expect((await limitView("db"))?.slotsHeld).toBe(0);
  });
});

describe("tag limits", () => {
  it("limits task runs carrying the tag across runs, and a killed holder loses its slot when its lease expires", async () => {
    const created = await post("/api/concurrency-limits", { name: "tagged-db", limit: 1 });
    expect(created.status, await created.clone().text()).toBe(201);
    let release!: () => void;
    testHooks.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const a = await createRun("tag-held", { parameters: { n: 1 } });
      // a's task holds the slot and blocks inside its alarm: fire it without waiting.
      const firing = fireAlarm(a.id).catch(() => false);
      await until("a's task holds the slot", async () =>
        (await limitView("tagged-db"))?.holders[0]?.runId === a.id ? true : undefined,
      );
      const b = await createRun("tag-held", { parameters: { n: 2 } });
      const waiting = await drive(b.id);
      const task = waiting.steps.find((s) => s.kind === "task");
      expect(task?.state.name).toBe("AwaitingConcurrencySlot");
      expect(task?.state.message).toBe(
        "Waiting for concurrency limit 'tagged-db' (1/1 slots held)",
      );
      expect((await limitView("tagged-db"))?.waiters.map((w) => w.runId)).toEqual([b.id]);

      // a's object dies mid-task: nobody renews its lease.
      await runInDurableObject(stubOf(a.id), (_instance, state) => {
        try {
          state.abort("killed mid-task");
        } catch {
          // abort() throws into the caller; the object is reset either way.
        }
      }).catch(() => {});
      await firing;
      const holder = (await limitView("tagged-db"))?.holders[0];
      expect(holder?.runId).toBe(a.id);
      // Past the lease's expiry the limit asks a's (new) object, which is not executing the
      // task: the slot is freed and b, next in line, is granted and resumed.
      clock.set((holder?.expiresAt ?? 0) + 1);
      const limitStub = testEnv.CONCURRENCY_LIMITS.get(
        testEnv.CONCURRENCY_LIMITS.idFromName("tagged-db"),
      );
      await runDurableObjectAlarm(limitStub);
      release();
      const doneB = await until("b completes", async () => {
        const run = await getRun(b.id);
        return run.state.type === "COMPLETED" ? run : undefined;
      });
      expect(doneB.result).toBe(2);
    } finally {
      release();
      testHooks.hold = undefined;
    }
  });
});

describe("keyed flow limits", () => {
  it("customer-sync runs one run per customer at a time", async () => {
    const first = await createRun("customer-sync", {
      parameters: { customerId: "acme", waitFor: "go" },
    });
    await drive(first.id);
    const second = await createRun("customer-sync", {
      parameters: { customerId: "acme", waitFor: "go" },
    });
    const other = await createRun("customer-sync", {
      parameters: { customerId: "globex", waitFor: "go" },
    });
    const waiting = await drive(second.id);
    const running = await drive(other.id);
    expect(waiting.state.name).toBe("AwaitingConcurrencySlot");
    expect(waiting.state.type).toBe("SCHEDULED");
    expect(waiting.state.message).toBe(
      "Waiting for concurrency limit 'flow:customer-sync:acme' (1/1 slots held)",
    );
    // globex's run is not held back: it runs and waits for its event.
    expect(running.state.name).toBe("Suspended");
    const listed = await json<{ runs: { id: string; state: { name: string } }[] }>(
      api("/api/runs?flow=customer-sync"),
    );
    expect(listed.runs.find((r) => r.id === second.id)?.state.name).toBe("AwaitingConcurrencySlot");

    await post(`/api/runs/${first.id}/events/go`, {});
    expect((await drive(first.id)).state.name).toBe("Completed");
    await until("acme's second run starts and waits for its event", async () =>
      (await getRun(second.id)).state.name === "Suspended" ? true : undefined,
    );
    for (const run of [second, other]) {
      await post(`/api/runs/${run.id}/events/go`, {});
      await until(`${run.id} waits no more`, async () => {
        await drive(run.id);
        return (await getRun(run.id)).state.type === "COMPLETED" ? true : undefined;
      });
    }
    expect((await limitView("flow:customer-sync:acme"))?.slotsHeld).toBe(0);
  });
});

describe("deployment limits", () => {
  async function deploymentOf(collisionStrategy: string): Promise<{ id: string }> {
    const res = await post("/api/deployments", {
      flowName: "approval",
      name: `limited-${crypto.randomUUID().slice(0, 8)}`,
      concurrencyLimit: 1,
      collisionStrategy,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return json<{ id: string }>(res);
  }

  async function runOf(deploymentId: string): Promise<Run> {
    const res = await post(`/api/deployments/${deploymentId}/runs`, {});
    expect(res.status, await res.clone().text()).toBe(201);
    return drive((await json<Run>(res)).id);
  }

  it("CANCEL_NEW cancels a run that finds its deployment's slot taken, naming the limit", async () => {
    const deployment = await deploymentOf("CANCEL_NEW");
    const first = await runOf(deployment.id);
    expect(first.state.name).toBe("Suspended");
    const second = await runOf(deployment.id);
    expect(second.state.name).toBe("Cancelled");
    expect(second.state.message).toContain(`deployment:${deployment.id}`);
    expect(await leaseRows(second.id)).toBe(0);
    await post(`/api/runs/${first.id}/events/approved`, { payload: { by: "ana" } });
    expect((await drive(first.id)).state.name).toBe("Completed");
    expect((await limitView(`deployment:${deployment.id}`))?.slotsHeld).toBe(0);
  });

  it("ENQUEUE makes the next run wait as AwaitingConcurrencySlot and start when the first ends", async () => {
    const deployment = await deploymentOf("ENQUEUE");
    const first = await runOf(deployment.id);
    const second = await runOf(deployment.id);
    expect(second.state.name).toBe("AwaitingConcurrencySlot");
    expect(second.state.message).toBe(
      `Waiting for concurrency limit 'deployment:${deployment.id}' (1/1 slots held)`,
    );
    await post(`/api/runs/${first.id}/events/approved`, { payload: { by: "ana" } });
    await drive(first.id);
    await until("the second run starts and waits for its event", async () =>
      (await getRun(second.id)).state.name === "Suspended" ? true : undefined,
    );
    await post(`/api/runs/${second.id}/events/approved`, { payload: { by: "bo" } });
    await until("the second run completes", async () => {
      await drive(second.id);
      return (await getRun(second.id)).state.name === "Completed" ? true : undefined;
    });
  });
});
