// Durable behaviour of the flow-run Durable Object, driven deterministically: the clock is faked
// a day ahead of workerd's (see helpers.ts), so no alarm fires by itself; each test moves the
// clock and fires the object's alarm with runDurableObjectAlarm. Nothing waits on real time.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import {
  alarmOf,
  api,
  createRun,
  drive,
  executionsOf,
  expectError,
  fireAlarm,
  getRun,
  json,
  post,
  type Run,
  states,
  stepNamed,
  stubOf,
  testEnv,
  useFakeTime,
} from "./helpers.ts";
import { openGate, testHooks } from "./test_flows.ts";

const clock = useFakeTime();

describe("cancellation", () => {
  it("cancels a sleeping run: Cancelling, then Cancelled, and nothing after the sleep runs", async () => {
    const run = await createRun("sleepy");
    await drive(run.id);
    const res = await post(`/api/runs/${run.id}/cancel`, { reason: "not needed" });
    expect(res.status).toBe(200);
    const cancelling = await json<Run>(res);
    expect(cancelling.state).toMatchObject({ type: "CANCELLING", message: "not needed" });
    const done = await drive(run.id);
    expect(done.state.type).toBe("CANCELLED");
    expect(states(done.stateHistory)).toContain("CANCELLING/Cancelling");
    expect(stepNamed(done, "sleep-1").state.type).toBe("CANCELLED");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });
    expect(await alarmOf(run.id)).toBeNull();
    // Past the sleep's wake time, nothing more happens.
    clock.advance(3_600_000);
    expect(await fireAlarm(run.id)).toBe(false);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });
    // A finished run cannot be cancelled.
    await expectError(post(`/api/runs/${run.id}/cancel`, {}), 409, "conflict");
  });

  it("cancels a run before it starts, without running any of it", async () => {
    const run = await createRun("sum", { parameters: { n: 3 } });
    const res = await post(`/api/runs/${run.id}/cancel`);
    expect(res.status).toBe(200);
    const done = await drive(run.id);
    expect(done.state.type).toBe("CANCELLED");
    expect(done.steps).toEqual([]);
    expect(await executionsOf(run.id)).toEqual({});
  });

  it("cancelling a parent cancels its running child", async () => {
    const parent = await createRun("parent", { parameters: { n: 2 } });
    const waiting = await drive(parent.id);
    const childId = waiting.subflowRuns[0]?.childRunId as string;
    expect(childId).toBeTruthy();
    expect((await post(`/api/runs/${parent.id}/cancel`)).status).toBe(200);
    expect((await getRun(childId)).state.type).toBe("CANCELLING");
    const child = await drive(childId);
    expect(child.state.type).toBe("CANCELLED");
    const done = await drive(parent.id);
    expect(done.state.type).toBe("CANCELLED");
    expect(await executionsOf(childId)).toEqual({});
  });
});

describe("retry from the failed step", () => {
  it("re-runs only the failed step and what follows; completed steps are kept", async () => {
    const run = await createRun("gated");
    const failed = await drive(run.id);
    expect(failed.state.type).toBe("FAILED");
    expect(failed.error?.message).toBe("the gate is closed");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "gate-0": 1 });
    await expectError(post(`/api/runs/${run.id}/cancel`), 409, "conflict");

    // Retried with the gate still closed: fails again at the gate, add-0 is not run again.
    const retried = await json<Run>(post(`/api/runs/${run.id}/retry`));
    expect(retried.state).toMatchObject({ type: "RUNNING", name: "Retrying" });
    expect((await drive(run.id)).state.type).toBe("FAILED");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "gate-0": 2 });

    await openGate(run.id);
    const res = await post(`/api/runs/${run.id}/retry`);
    expect(res.status).toBe(200);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(33);
    expect(done.retries).toBe(2);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "gate-0": 3, "add-1": 1 });
    // A completed run cannot be retried.
    await expectError(post(`/api/runs/${run.id}/retry`), 409, "conflict");
    expect((await getRun(run.id)).state.type).toBe("COMPLETED");
  });

  it("refuses to retry a run that has not finished", async () => {
    const run = await createRun("sleepy");
    await drive(run.id);
    await expectError(post(`/api/runs/${run.id}/retry`), 409, "conflict");
    expect((await getRun(run.id)).state.name).toBe("Running");
  });

  it("runs a cancelled run again from where it was cancelled", async () => {
    const run = await createRun("sleepy");
    await drive(run.id);
    await post(`/api/runs/${run.id}/cancel`);
    expect((await drive(run.id)).state.type).toBe("CANCELLED");
    expect((await post(`/api/runs/${run.id}/retry`)).status).toBe(200);
    const sleeping = await drive(run.id);
    expect(sleeping.state.name).toBe("Retrying");
    clock.set(stepNamed(sleeping, "sleep-1").state.scheduledTime as number);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "add-1": 1 });
  });
});

describe("subflows", () => {
  it("runs the child in its own object, which wakes the parent when it finishes", async () => {
    const parent = await createRun("parent", { parameters: { n: 3 } });
    const waiting = await drive(parent.id);
    // Waiting for its child, the parent is Running (held by no process until the child ends).
    expect(waiting.state.name).toBe("Running");
    expect(waiting.subflowRuns).toHaveLength(1);
    const sub = waiting.subflowRuns[0];
    const childId = sub?.childRunId as string;
    expect(childId).toMatch(/.+/);
    // The parent waits on the child, not on a timer.
    expect(await alarmOf(parent.id)).toBeNull();

    const child = await getRun(childId);
    expect(child.flowName).toBe("sum");
    expect(child.parentRunId).toBe(parent.id);
    expect(child.parentStepId).toBe(sub?.id);
    expect(child.parameters).toEqual({ n: 3 });

    // The child runs from its own alarm; its outbox then wakes the parent.
    const childDone = await drive(childId);
    expect(childDone.state.type).toBe("COMPLETED");
    expect(childDone.result).toBe(6);
    const wakeParent = await alarmOf(parent.id);
    expect(wakeParent).not.toBeNull();
    expect(wakeParent as number).toBeLessThanOrEqual(Date.now());

    const done = await drive(parent.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(7);
    expect(done.subflowRuns[0]?.state.type).toBe("COMPLETED");
    expect(await executionsOf(parent.id)).toEqual({ "add-0": 1 });
    expect(await executionsOf(childId)).toEqual({ "add-0": 1, "add-1": 1, "add-2": 1 });

    // The index knows the child as the parent's.
    const listed = await json<{ runs: { id: string; parentRunId: string | null }[] }>(
      api(`/api/runs?flow=sum&limit=200`),
    );
    expect(listed.runs.find((r) => r.id === childId)?.parentRunId).toBe(parent.id);
  });
});

describe("fan-out", () => {
  it("runs 100 tasks in parallel, each exactly once", async () => {
    const run = await createRun("fan-out", { parameters: { n: 100 } });
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toBe(5050);
    expect(done.taskRuns).toHaveLength(100);
    expect(done.taskRuns.every((t) => t.state.type === "COMPLETED")).toBe(true);
    const counts = await executionsOf(run.id);
    expect(Object.keys(counts)).toHaveLength(100);
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    const group = done.steps.filter((s) => s.kind === "group");
    expect(group).toHaveLength(1);
    expect(done.taskRuns.every((t) => t.parentStepId === group[0]?.id)).toBe(true);
    const graph = await json<{ nodes: unknown[]; edges: { kind: string }[] }>(
      api(`/api/runs/${run.id}/graph`),
    );
    expect(graph.nodes).toHaveLength(101);
    expect(graph.edges.filter((e) => e.kind === "contains")).toHaveLength(100);
  });
});

describe("reset mid-run", () => {
  afterEach(() => {
    testHooks.atCheckpoint = undefined;
  });

  it("resumes from the journal after the object is reset inside a task; no committed step runs twice", async () => {
    const run = await createRun("resettable");
    const state = await runInDurableObject(stubOf(run.id), (instance, s) => {
      (instance as unknown as { marker?: string }).marker = "first instance";
      return s;
    });
    // The checkpoint task resets the object after it has run: the alarm's execution dies with
    // the object, before the task's outcome is journaled. (Its start was held in memory to share
    // a statement with the outcome, see SqlJournal, so it is lost too, which only means the
    // task runs again, as it would with its start stored.)
    testHooks.atCheckpoint = () => {
      testHooks.atCheckpoint = undefined;
      state.abort("reset by the test");
    };
    await expect(fireAlarm(run.id)).rejects.toThrow(/reset by the test/);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "checkpoint-0": 1 });

    const crashed = await getRun(run.id);
    expect(crashed.state.type).toBe("RUNNING");
    expect(stepNamed(crashed, "add-0").state.type).toBe("COMPLETED");
    expect(crashed.steps.map((s) => s.runName)).toEqual(["add-0"]);
    // A new instance serves the run now (through a new stub: the old one broke with the reset).
    const marker = await runInDurableObject(
      stubOf(run.id),
      (instance) => (instance as unknown as { marker?: string }).marker,
    );
    expect(marker).toBeUndefined();
    // The watchdog alarm the execution set before running resumes the run.
    const watchdog = await alarmOf(run.id);
    expect(watchdog).not.toBeNull();
    expect(watchdog as number).toBeGreaterThan(Date.now());
    clock.set(watchdog as number);

    const sleeping = await drive(run.id);
    expect(sleeping.state.name).toBe("Running");
    // The step in flight when the object died runs again (at least once); add-0 does not.
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "checkpoint-0": 2 });

    // Reset again while it sleeps (nothing in flight), then let it finish.
    await runInDurableObject(stubOf(run.id), (instance, s) => {
      (instance as unknown as { marker?: string }).marker = "second instance";
      try {
        s.abort("reset while sleeping");
      } catch {
        // abort() throws into the caller; the object is reset either way.
      }
    }).catch(() => {});
    expect(
      await runInDurableObject(
        stubOf(run.id),
        (instance) => (instance as unknown as { marker?: string }).marker,
      ),
    ).toBeUndefined();
    const wakeAt = sleeping.steps.find((s) => s.kind === "sleep")?.state.scheduledTime;
    expect(await alarmOf(run.id)).toBe(wakeAt);
    clock.set(wakeAt as number);
    const done = await drive(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toEqual({ a: 2, b: 102, c: 103 });
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1, "checkpoint-0": 2, "add-1": 1 });
    // Each step's completion was journaled once.
    expect(
      done.steps.map((s) => states(s.stateHistory).filter((x) => x.startsWith("COMPLETED")).length),
    ).toEqual([1, 1, 1, 1]);
  });

  it("a new instance over the same storage resumes a suspended run without re-running steps", async () => {
    const run = await createRun("approval");
    await drive(run.id);
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });
    await post(`/api/runs/${run.id}/events/approved`, { payload: { by: "ana" } });
    // Build a second instance of the object class over the same state and fire its alarm, as
    // workerd does after it has evicted the object.
    await runInDurableObject(stubOf(run.id), async (instance, state) => {
      const FlowRun = instance.constructor as new (
        s: DurableObjectState,
        e: typeof testEnv,
      ) => {
        alarm(): Promise<void>;
      };
      await new FlowRun(state, testEnv).alarm();
    });
    const done = await getRun(run.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toEqual({ before: 1, by: "ana" });
    expect(await executionsOf(run.id)).toEqual({ "add-0": 1 });
  });
});

describe("outbox", () => {
  it("keeps an index update that D1 refused and delivers it on a later alarm", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    await testEnv.DB.exec("ALTER TABLE runs RENAME TO runs_away");
    try {
      const done = await drive(run.id);
      // The run itself is unaffected by D1 failing.
      expect(done.state.type).toBe("COMPLETED");
      // The undelivered update keeps an alarm armed for its retry.
      const retryAt = await alarmOf(run.id);
      expect(retryAt).not.toBeNull();
      expect(retryAt as number).toBeGreaterThan(Date.now());
    } finally {
      await testEnv.DB.exec("ALTER TABLE runs_away RENAME TO runs");
    }
    // The row written when the run was created (read-your-writes) is not updated yet.
    const before = await testEnv.DB.prepare("SELECT state_type FROM runs WHERE id = ?")
      .bind(run.id)
      .first<{ state_type: string }>();
    expect(before?.state_type).toBe("PENDING");
    clock.set((await alarmOf(run.id)) as number);
    await drive(run.id);
    const row = await testEnv.DB.prepare("SELECT state_type FROM runs WHERE id = ?")
      .bind(run.id)
      .first<{ state_type: string }>();
    expect(row?.state_type).toBe("COMPLETED");
    expect(await alarmOf(run.id)).toBeNull();
  });

  it("derives an undelivered index row from the journal after the object is reset", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    const rowOf = () =>
      testEnv.DB.prepare("SELECT state_type FROM runs WHERE id = ?")
        .bind(run.id)
        .first<{ state_type: string }>();
    await testEnv.DB.exec("ALTER TABLE runs RENAME TO runs_away");
    try {
      expect((await drive(run.id)).state.type).toBe("COMPLETED");
    } finally {
      await testEnv.DB.exec("ALTER TABLE runs_away RENAME TO runs");
    }
    // Nothing about the row is stored but the journal and the version D1 last confirmed.
    const stored = await runInDurableObject(stubOf(run.id), (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one(),
    );
    expect(stored.n).toBe(0);
    // The object is reset: what it kept in memory of the row is gone.
    await runInDurableObject(stubOf(run.id), (_instance, state) => {
      state.abort("reset by the test");
    }).catch(() => {});
    expect((await rowOf())?.state_type).toBe("PENDING");
    clock.set((await alarmOf(run.id)) as number);
    await drive(run.id);
    expect((await rowOf())?.state_type).toBe("COMPLETED");
    expect(await alarmOf(run.id)).toBeNull();
  });
});
