import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ChildRunOutcome,
  type DeploymentRunner,
  type DeploymentRunRequest,
  deployment,
  deploymentChildRunId,
  encode,
  Failed,
  flow,
  InMemoryJournal,
  inspectRun,
  NonRetryableError,
  runDeployment,
  serializeError,
  sleep,
  startDeployment,
  TimeoutError,
  UsageError,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";

const finished = (value: unknown): ChildRunOutcome => ({
  status: "finished",
  state: { type: "COMPLETED", name: "Completed", timestamp: 0 },
  value: encode(value),
});

/** A deployment host that records what it is asked and answers from `answer`. */
function fakeDeployments(answer: (request: DeploymentRunRequest) => ChildRunOutcome) {
  const calls: { method: "start" | "status"; request: DeploymentRunRequest }[] = [];
  const runner: DeploymentRunner = {
    async start(request) {
      calls.push({ method: "start", request });
      return answer(request);
    },
    async status(request) {
      calls.push({ method: "status", request });
      return answer(request);
    },
  };
  return { runner, calls, methods: () => calls.map((c) => c.method) };
}

function setup(mode: "wait" | "suspend" = "suspend") {
  const journal = new InMemoryJournal({ serialize: true });
  const clock = new FakeClock({ autoAdvance: mode === "wait" });
  return {
    journal,
    clock,
    start: clock.now(),
    base: { journal, clock, console: false, mode } as const,
  };
}

describe("runDeployment in this process", () => {
  test("fails the step with a NonRetryableError saying it needs a Weir server, and what to call instead", async () => {
    const main = flow({ name: "iris-main" }, async function* () {
      return yield* runDeployment("iris-data-science/train", { k: 5 });
    });
    const { journal, base } = setup("wait");
    const state = await main.run(undefined, { ...base, returnState: true });
    assert.equal(state.type, "FAILED");
    const error = state.error;
    assert.ok(error instanceof NonRetryableError, String(error));
    assert.match(error.message, /Cannot run deployment 'iris-data-science\/train' here/);
    assert.match(error.message, /Weir server/);
    assert.match(error.message, /createWeirWorker\(\{ flows, deployments \}\)/);
    assert.match(error.message, /yield\* irisDataScience\(params\)/);

    const runId = (await journal.runIds())[0] as string;
    const view = await inspectRun(journal, runId);
    const step = view.steps[0];
    assert.equal(step?.kind, "subflow");
    assert.equal(step?.name, "iris-data-science/train");
    assert.equal(step?.state.type, "FAILED");
    assert.equal(step?.childRunId, undefined, "no child run exists, so none is linked");
  });

  test("the flow can catch it, and startDeployment fails the same way", async () => {
    const main = flow({ name: "fallback" }, async function* () {
      try {
        yield* startDeployment("etl/nightly");
        return "started";
      } catch (error) {
        return (error as Error).name;
      }
    });
    assert.equal(await main.run(undefined, { console: false }), "NonRetryableError");
  });

  test("a bad reference or bad parameters are usage errors at the call", () => {
    assert.throws(() => runDeployment("no-slash"), UsageError);
    assert.throws(() => runDeployment("/nightly"), UsageError);
    assert.throws(() => runDeployment("etl/"), UsageError);
    assert.throws(
      () => runDeployment("etl/nightly", [1, 2] as never),
      (e: unknown) => e instanceof UsageError && /array/.test(e.message),
    );
    assert.throws(() => runDeployment("etl/nightly", {}, { timeout: -1 }), RangeError);
  });

  test("takes what deployment() returned", () => {
    const etl = flow({ name: "etl" }, async function* (_p: { day: string }) {
      return yield* sleep(0);
    });
    const nightly = deployment(etl, { name: "nightly" });
    const step = runDeployment(nightly, { day: "2026-01-01" }, { timeout: "1h", tags: ["x"] });
    assert.deepEqual(step.spec, {
      type: "deployment",
      ref: "etl/nightly",
      params: { day: "2026-01-01" },
      wait: true,
      timeoutMs: 3_600_000,
      tags: ["x"],
    });
  });
});

describe("runDeployment on a host with deployments", () => {
  test("starts the child once, suspends until it finishes, and replays to its result", async () => {
    let childDone = false;
    const host = fakeDeployments(() =>
      childDone ? finished({ accuracy: 0.97 }) : { status: "suspended" },
    );
    const main = flow({ name: "iris-main" }, async function* () {
      const metrics = yield* runDeployment<{ accuracy: number }>(
        "iris-data-science/train",
        { k: 5 },
        { name: "train-run", tags: ["iris"] },
      );
      return metrics.accuracy;
    });
    const { journal, base } = setup();
    const opts = { ...base, deployments: host.runner };
    const handle = main.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended" });

    const childRunId = deploymentChildRunId(handle.runId, "0", 1);
    assert.deepEqual(host.methods(), ["start"]);
    const request = host.calls[0]?.request;
    assert.equal(request?.runId, childRunId);
    assert.equal(request?.ref, "iris-data-science/train");
    assert.equal(request?.flowName, "iris-data-science");
    assert.equal(request?.deploymentName, "train");
    assert.deepEqual(request?.params, { k: 5 });
    assert.equal(request?.parentRunId, handle.runId);
    assert.equal(request?.parentStepId, "0");
    assert.equal(request?.name, "train-run");
    assert.deepEqual(request?.tags, ["iris"]);
    assert.equal(request?.wait, true);

    const waiting = await inspectRun(journal, handle.runId);
    assert.equal(waiting.steps[0]?.kind, "subflow");
    assert.equal(waiting.steps[0]?.childRunId, childRunId);
    assert.equal(waiting.steps[0]?.runName, "train-run");

    // Woken before the child has finished (a spurious wake-up): asks, and suspends again.
    assert.deepEqual(await main.resume(handle.runId, opts).execution, { status: "suspended" });
    assert.deepEqual(host.methods(), ["start", "status"]);

    childDone = true;
    assert.equal(await main.resume(handle.runId, opts).result(), 0.97);
    assert.deepEqual(host.methods(), ["start", "status", "status"], "never started twice");
    assert.ok(host.calls.every((c) => c.request.runId === childRunId));
    const done = await inspectRun(journal, handle.runId);
    assert.equal(done.steps[0]?.state.type, "COMPLETED");

    // A finished run replays from its journal without asking the host.
    assert.equal(await main.resume(handle.runId, opts).result(), 0.97);
    assert.equal(host.calls.length, 3);
  });

  test("a child that finishes at once (started inline) completes the step without suspending", async () => {
    const host = fakeDeployments(() => finished("done"));
    const main = flow({ name: "quick" }, async function* () {
      return yield* runDeployment("etl/nightly");
    });
    const { base } = setup();
    assert.equal(await main.run(undefined, { ...base, deployments: host.runner }), "done");
    assert.deepEqual(host.methods(), ["start"]);
    assert.equal(host.calls[0]?.request.params, undefined);
  });

  test("the child's failure fails the step like a subflow's", async () => {
    const error = new Error("no rows for 2026-01-01");
    const host = fakeDeployments(() => ({
      status: "finished",
      state: Failed(0, { message: error.message }),
      error: serializeError(error),
    }));
    const main = flow({ name: "caller" }, async function* () {
      return yield* runDeployment("etl/nightly", { day: "2026-01-01" });
    });
    const { journal, base } = setup();
    const state = await main.run(undefined, {
      ...base,
      deployments: host.runner,
      returnState: true,
    });
    assert.equal(state.type, "FAILED");
    assert.equal(state.error?.message, "no rows for 2026-01-01");
    const runId = (await journal.runIds())[0] as string;
    const view = await inspectRun(journal, runId);
    assert.equal(view.steps[0]?.state.type, "FAILED");
  });

  test("an error from the host (an unknown deployment) fails the step with its message", async () => {
    const runner: DeploymentRunner = {
      start: async (r) => {
        throw new Error(`No deployment '${r.ref}'`);
      },
      status: async () => ({ status: "suspended" }),
    };
    const main = flow({ name: "typo" }, async function* () {
      return yield* runDeployment("etl/nightyl");
    });
    const { base } = setup();
    const state = await main.run(undefined, { ...base, deployments: runner, returnState: true });
    assert.equal(state.type, "FAILED");
    assert.equal(state.error?.message, "No deployment 'etl/nightyl'");
  });

  test("timeout: the deadline is journaled, the run wakes at it, and the step fails with TimeoutError", async () => {
    const host = fakeDeployments(() => ({ status: "suspended" }));
    const main = flow({ name: "impatient" }, async function* () {
      try {
        return yield* runDeployment("etl/nightly", {}, { timeout: "10m" });
      } catch (error) {
        return error instanceof TimeoutError ? `timed out: ${error.message}` : "other";
      }
    });
    const { journal, clock, start, base } = setup();
    const opts = { ...base, deployments: host.runner };
    const handle = main.start(undefined, opts);
    assert.deepEqual(await handle.execution, { status: "suspended", wakeAt: start + 600_000 });

    await clock.advance(300_000);
    assert.deepEqual(await main.resume(handle.runId, opts).execution, {
      status: "suspended",
      wakeAt: start + 600_000,
    });

    await clock.advance(300_000);
    const result = await main.resume(handle.runId, opts).result();
    assert.match(
      String(result),
      /^timed out: Waited 10m for run '.+' of deployment 'etl\/nightly'/,
    );
    assert.match(String(result), /keeps running/);
    assert.deepEqual(host.methods(), ["start", "status", "status"]);
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.steps[0]?.state.name, "TimedOut");
  });

  test("a child that finished by the deadline gives its result", async () => {
    let calls = 0;
    const host = fakeDeployments(() => (++calls > 1 ? finished(7) : { status: "suspended" }));
    const main = flow({ name: "in-time" }, async function* () {
      return yield* runDeployment("etl/nightly", {}, { timeout: 60 });
    });
    const { clock, base } = setup();
    const opts = { ...base, deployments: host.runner };
    const handle = main.start(undefined, opts);
    await handle.execution;
    await clock.advance(60_000);
    assert.equal(await main.resume(handle.runId, opts).result(), 7);
  });

  test("startDeployment gives the child's id at once, and a replay does not start another", async () => {
    const host = fakeDeployments(() => ({ status: "suspended" }));
    const main = flow({ name: "fire-and-forget" }, async function* () {
      const started = yield* startDeployment("etl/nightly", { day: "x" });
      yield* sleep("1m");
      return started.runId;
    });
    const { clock, base, journal } = setup();
    const opts = { ...base, deployments: host.runner };
    const handle = main.start(undefined, opts);
    assert.equal((await handle.execution).status, "suspended");
    assert.deepEqual(host.methods(), ["start"]);
    assert.equal(host.calls[0]?.request.wait, false);
    await clock.advance(60_000);
    const runId = await main.resume(handle.runId, opts).result();
    assert.equal(runId, deploymentChildRunId(handle.runId, "0", 1));
    assert.deepEqual(host.methods(), ["start"], "the replay took the id from the journal");
    const view = await inspectRun(journal, handle.runId);
    assert.equal(view.steps[0]?.state.type, "COMPLETED");
    assert.equal(view.steps[0]?.childRunId, runId);
  });

  test("a retried run starts a new child for the failed step; the replayed ones are kept", async () => {
    let reportRuns = 0;
    const host = fakeDeployments((request) => {
      if (request.ref === "etl/nightly") return finished("kept");
      if (++reportRuns > 1) return finished("second");
      return {
        status: "finished",
        state: Failed(0, { message: "boom" }),
        error: serializeError(new Error("boom")),
      };
    });
    const main = flow({ name: "retrying", retries: 1, retryDelay: 0 }, async function* () {
      const a = yield* runDeployment("etl/nightly");
      const b = yield* runDeployment("report/daily");
      return [a, b];
    });
    const { base } = setup("wait");
    const handle = main.start(undefined, { ...base, deployments: host.runner });
    // Each attempt of the failed step asks for a new child: a retry must not find the failed one.
    assert.deepEqual(await handle.result(), ["kept", "second"]);
    const starts = host.calls.filter((c) => c.method === "start").map((c) => c.request.runId);
    assert.deepEqual(starts, [
      deploymentChildRunId(handle.runId, "0", 1),
      deploymentChildRunId(handle.runId, "1", 1),
      deploymentChildRunId(handle.runId, "1", 2),
    ]);
  });

  test("in 'wait' mode the engine asks again every 5 s until the child finishes", async () => {
    let asked = 0;
    const host = fakeDeployments(() =>
      ++asked >= 3 ? finished("polled") : { status: "suspended" },
    );
    const main = flow({ name: "poller" }, async function* () {
      return yield* runDeployment("etl/nightly");
    });
    const { clock, base } = setup("wait");
    assert.equal(await main.run(undefined, { ...base, deployments: host.runner }), "polled");
    assert.deepEqual(host.methods(), ["start", "status", "status"]);
    assert.deepEqual(clock.waits, [5_000, 5_000]);
  });

  test("the child's run id is a UUID fixed by the parent run, the step and the attempt", () => {
    const id = deploymentChildRunId("run-1", "0", 1);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(deploymentChildRunId("run-1", "0", 1), id);
    assert.notEqual(deploymentChildRunId("run-1", "0", 2), id);
    assert.notEqual(deploymentChildRunId("run-1", "1", 1), id);
    assert.notEqual(deploymentChildRunId("run-2", "0", 1), id);
  });
});
