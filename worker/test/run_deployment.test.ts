// `runDeployment` and `startDeployment` on the Worker: a flow starts a deployment's run as its
// child, waits for it without holding CPU (suspended, woken by the child's end, across an
// eviction of its object), or only starts it. The clock is faked a day ahead (see helpers.ts)
// and every alarm is fired by the test. The deployments are inserted into D1 directly.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  alarmOf,
  api,
  createRun,
  drive,
  getRun,
  json,
  post,
  type Run,
  stubOf,
  testEnv,
  useFakeTime,
} from "./helpers.ts";

const clock = useFakeTime();

/**
 * Inserts a deployment of `flowName` as the API would store it, under a name no other test
 * uses (D1 outlives each test); resolves to its id, name and `flow/name` reference.
 */
async function insertDeployment(
  flowName: string,
  prefix: string,
  parameters: Record<string, unknown>,
  tags: string[] = [],
): Promise<{ id: string; name: string; ref: string }> {
  const id = crypto.randomUUID();
  const name = `${prefix}-${id.slice(0, 8)}`;
  const now = Date.now();
  await testEnv.DB.prepare(
    "INSERT INTO deployments (id, flow_name, name, tags, parameters, paused, catch_up, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 'skip', 'api', ?, ?)",
  )
    .bind(id, flowName, name, JSON.stringify(tags), JSON.stringify(parameters), now, now)
    .run();
  return { id, name, ref: `${flowName}/${name}` };
}

/** The runs of a deployment, as the index lists them. */
async function runsOfDeployment(
  deploymentId: string,
): Promise<{ id: string; parentRunId: string | null; deploymentId: string | null }[]> {
  const body = await json<{
    runs: { id: string; parentRunId: string | null; deploymentId: string | null }[];
  }>(api(`/api/runs?deployment=${deploymentId}&limit=50`));
  return body.runs;
}

/** Resets a run's object, as workerd does when it evicts it; a new instance serves it next. */
async function evict(runId: string): Promise<void> {
  await runInDurableObject(stubOf(runId), (instance, state) => {
    (instance as unknown as { marker?: string }).marker = "before eviction";
    try {
      state.abort("evicted by the test");
    } catch {
      // abort() throws into the caller; the object is reset either way.
    }
  }).catch(() => {});
  const marker = await runInDurableObject(
    stubOf(runId),
    (instance) => (instance as unknown as { marker?: string }).marker,
  );
  expect(marker).toBeUndefined();
}

function deploymentStep(run: Run) {
  const step = run.subflowRuns[0];
  expect(step, JSON.stringify(run.steps)).toBeDefined();
  return step as NonNullable<typeof step>;
}

describe("runDeployment", () => {
  it("starts the deployment's run as a child and waits for it across an eviction of the parent", async () => {
    const { id: deploymentId, ref } = await insertDeployment("sum", "quad", { n: 4 }, ["deployed"]);
    const parent = await createRun("deployment-caller", { parameters: { ref } });
    const waiting = await drive(parent.id);
    expect(waiting.state.type).not.toBe("COMPLETED");
    const step = deploymentStep(waiting);
    expect(step.kind).toBe("subflow");
    expect(step.name).toBe(ref);
    expect(step.state.type).toBe("RUNNING");
    const childId = step.childRunId as string;
    expect(childId).toMatch(/^[0-9a-f-]{36}$/);
    // The parent waits for the child, not for a timer: nothing is due until the child ends.
    expect(await alarmOf(parent.id)).toBeNull();

    // The child: the deployment's flow with its default parameters, linked to both.
    const child = await getRun(childId);
    expect(child.flowName).toBe("sum");
    expect(child.parameters).toEqual({ n: 4 });
    expect(child.parentRunId).toBe(parent.id);
    expect(child.parentStepId).toBe(step.id);
    expect(child.tags).toEqual(expect.arrayContaining(["deployed", "from-caller"]));
    expect(await runsOfDeployment(deploymentId)).toEqual([
      expect.objectContaining({ id: childId, parentRunId: parent.id, deploymentId }),
    ]);

    await evict(parent.id);

    // The child runs from its own alarm; its end wakes the parent's new instance.
    const childDone = await drive(childId);
    expect(childDone.state.type).toBe("COMPLETED");
    expect(childDone.result).toBe(10);
    const wake = await alarmOf(parent.id);
    expect(wake).not.toBeNull();
    expect(wake as number).toBeLessThanOrEqual(Date.now());

    const done = await drive(parent.id);
    expect(done.state.type).toBe("COMPLETED");
    expect(done.result).toEqual({ result: 10 });
    expect(deploymentStep(done).state.type).toBe("COMPLETED");
    expect(deploymentStep(done).childRunId).toBe(childId);
    // Replays found the same child: the deployment has one run.
    expect((await runsOfDeployment(deploymentId)).map((r) => r.id)).toEqual([childId]);

    // The parent's graph links the child's run.
    const graph = await json<{ nodes: { kind: string; childRunId: string | null }[] }>(
      api(`/api/runs/${parent.id}/graph`),
    );
    expect(graph.nodes.find((n) => n.kind === "subflow")?.childRunId).toBe(childId);
  });

  it("merges the flow's parameters over the deployment's defaults and validates them", async () => {
    const { ref } = await insertDeployment("sum", "quad", { n: 4 });
    const parent = await createRun("deployment-caller", {
      parameters: { ref, params: { n: 2 } },
    });
    const childId = deploymentStep(await drive(parent.id)).childRunId as string;
    expect((await getRun(childId)).parameters).toEqual({ n: 2 });
    await drive(childId);
    expect((await drive(parent.id)).result).toEqual({ result: 3 });

    const bad = await createRun("deployment-caller", {
      parameters: { ref, params: { n: "many" } },
    });
    const failed = await drive(bad.id);
    expect(failed.state.type).toBe("FAILED");
    const step = deploymentStep(failed);
    expect(step.childRunId).toBeNull();
    expect(step.error?.name).toBe("NonRetryableError");
    expect(step.error?.message).toContain(`Cannot run deployment '${ref}' with these parameters`);
    expect(step.error?.message).toContain("parameters.n");
  });

  it("fails the step with what to check when the deployment does not exist", async () => {
    const { ref } = await insertDeployment("sum", "quad", { n: 4 });
    const parent = await createRun("deployment-caller", { parameters: { ref: "sum/qaud" } });
    const failed = await drive(parent.id);
    expect(failed.state.type).toBe("FAILED");
    const step = deploymentStep(failed);
    expect(step.name).toBe("sum/qaud");
    expect(step.childRunId).toBeNull();
    const message = step.error?.message ?? "";
    expect(message).toContain("no deployment 'qaud' of flow 'sum'");
    expect(message).toContain("Deployments of flow 'sum': ");
    expect(message).toContain(`'${ref}'`);
    expect(message).toContain("weir deployment ls");
    expect(message).toContain("createWeirWorker({ flows, deployments })");
    expect(failed.error?.message).toBe(message);
  });

  it("with a timeout, wakes at the deadline and fails the step with TimeoutError; the child keeps running", async () => {
    const { ref, name } = await insertDeployment("sum", "quad", { n: 4 });
    const parent = await createRun("patient-caller", {
      parameters: { ref, timeout: "1m" },
    });
    const waiting = await drive(parent.id);
    const step = deploymentStep(waiting);
    const deadline = step.startedAt + 60_000;
    expect(await alarmOf(parent.id)).toBe(deadline);

    clock.set(deadline);
    const done = await drive(parent.id);
    expect(done.state.type).toBe("COMPLETED");
    const message = (done.result as { timedOut: string }).timedOut;
    expect(message).toMatch(/^Waited 1m for run '.+' of deployment 'sum\/quad-.*keeps running/);
    expect(message).toContain(name);
    expect(deploymentStep(done).state.name).toBe("TimedOut");

    // The child was not cancelled: it runs to its end, and the finished parent stays as it was.
    const childId = step.childRunId as string;
    const childDone = await drive(childId);
    expect(childDone.state.type).toBe("COMPLETED");
    expect(childDone.result).toBe(10);
    const after = await drive(parent.id);
    expect(after.state.type).toBe("COMPLETED");
    expect(after.result).toEqual(done.result);
  });
});

describe("runDeployment and cancellation", () => {
  it("cancelling the parent cancels the child it waits for, as with a subflow", async () => {
    const { ref } = await insertDeployment("sum", "quad", { n: 4 });
    const parent = await createRun("deployment-caller", { parameters: { ref } });
    const childId = deploymentStep(await drive(parent.id)).childRunId as string;
    expect((await post(`/api/runs/${parent.id}/cancel`)).status).toBe(200);
    expect((await getRun(childId)).state.type).toBe("CANCELLING");
    expect((await drive(childId)).state.type).toBe("CANCELLED");
    expect((await drive(parent.id)).state.type).toBe("CANCELLED");
  });
});

describe("startDeployment", () => {
  it("gives the child's run id as soon as the run exists, without waiting for it", async () => {
    const { id: deploymentId, ref } = await insertDeployment("sum", "quad", { n: 4 });
    const parent = await createRun("deployment-starter", {
      parameters: { ref, params: { n: 1 } },
    });
    const done = await drive(parent.id);
    expect(done.state.type).toBe("COMPLETED");
    const childId = done.result as string;
    expect(deploymentStep(done).childRunId).toBe(childId);

    const child = await getRun(childId);
    expect(child.state.type).toBe("PENDING");
    expect(child.parentRunId).toBe(parent.id);
    expect(await runsOfDeployment(deploymentId)).toEqual([
      expect.objectContaining({ id: childId, parentRunId: parent.id, deploymentId }),
    ]);
    expect((await drive(childId)).result).toBe(1);
    // The child's end pokes the finished parent, which stays as it was.
    expect((await drive(parent.id)).result).toBe(childId);
  });
});
