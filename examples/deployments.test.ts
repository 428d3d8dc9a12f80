import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CreateDeploymentBody } from "../protocol/deployment.ts";
import type { DeploymentRunner } from "../runtime/engine/host.ts";
import {
  type ChildRunOutcome,
  type DeploymentDefinition,
  FlowRunError,
  InMemoryJournal,
  inProcessSubflows,
  inspectRun,
  NonRetryableError,
} from "../runtime/host.ts";
import { catFact, catFactDeployment } from "./cat_fact.ts";
import {
  dataEngineer,
  dataEngineerHourly,
  dataScienceOnDemand,
  irisDependentFlows,
  irisEveryMinute,
} from "./iris.ts";
import {
  LOCAL_LISTING_URL,
  LOCAL_STORAGE_URL,
  REDDIT_LISTING_URL,
  redditEvery2h,
  redditOffline,
  redditPipeline,
  redditScrape,
  redditStore,
} from "./reddit/pipeline.ts";
import { STORAGE_PORT } from "./reddit/storage/app.ts";

/** Every deployment worker/default_app.ts registers. */
const deployments: readonly DeploymentDefinition[] = [
  catFactDeployment,
  dataEngineerHourly,
  dataScienceOnDemand,
  irisEveryMinute,
  redditEvery2h,
  redditOffline,
];

describe("the examples' deployments", () => {
  test("each is a valid deployment body (what the Worker applies), unique by flow and name", () => {
    const seen = new Set<string>();
    for (const d of deployments) {
      const key = `${d.flowName}/${d.options.name}`;
      assert.ok(!seen.has(key), `${key} is declared once`);
      seen.add(key);
      const { schedules, ...options } = d.options;
      const body = CreateDeploymentBody.safeParse({
        ...options,
        flowName: d.flowName,
        tags: [...(options.tags ?? [])],
        schedules: (schedules ?? []).map((s) => ("schedule" in s ? s : { schedule: s })),
      });
      assert.ok(body.success, `${key}: ${body.error?.issues[0]?.message}`);
    }
  });

  test("their default parameters validate against their flows", async () => {
    // data-science's split is required and has no default: each run passes one.
    const split = await dataEngineer.run({}, { console: false });
    for (const d of deployments) {
      const extra = d === dataScienceOnDemand ? { split } : {};
      await d.flow.validate({ ...extra, ...d.options.parameters });
    }
    await assert.rejects(
      dataScienceOnDemand.flow.validate({ ...dataScienceOnDemand.options.parameters }),
    );
  });

  test("reddit: every 2 hours on reddit, and offline on the shipped listing, both into the local storage app", () => {
    assert.deepEqual(redditEvery2h.options.schedules, [{ cron: "0 */2 * * *" }]);
    assert.equal(redditEvery2h.options.catchUp, "latest");
    assert.equal(redditEvery2h.options.parameters?.listingUrl, REDDIT_LISTING_URL);
    assert.equal(redditOffline.options.parameters?.listingUrl, LOCAL_LISTING_URL);
    assert.equal(redditOffline.options.schedules, undefined, "run on demand");
    for (const d of [redditEvery2h, redditOffline]) {
      assert.equal(d.options.parameters?.storageUrl, LOCAL_STORAGE_URL);
    }
    assert.equal(new URL(LOCAL_STORAGE_URL).port, String(STORAGE_PORT), "where the app listens");
  });

  test("iris: data-engineer hourly, the dependent flows on the seed's minute but paused", () => {
    assert.deepEqual(dataEngineerHourly.options.schedules, [{ interval: "1h" }]);
    assert.equal(dataScienceOnDemand.options.schedules, undefined);
    assert.deepEqual(irisEveryMinute.options.schedules, [{ interval: 60 }]);
    assert.equal(irisEveryMinute.options.paused, true);
  });

  test("cat-fact: on demand, with the seed's URL", () => {
    assert.equal(catFactDeployment.flow, catFact);
    assert.deepEqual(catFactDeployment.options.parameters, { url: "https://catfact.ninja/fact" });
  });

  test("the new flows declare their parameters as a JSON Schema", () => {
    for (const flow of [redditPipeline, redditScrape, redditStore, irisDependentFlows]) {
      const schema = flow.jsonSchema() as { type?: string; properties?: object } | undefined;
      assert.equal(schema?.type, "object", flow.flowName);
      assert.ok(Object.keys(schema?.properties ?? {}).length > 0, flow.flowName);
    }
  });
});

/**
 * Runs deployments in this process, as a Weir server would: find the deployment, merge its
 * defaults under the run's parameters and its tags with the run's, run its flow as a child.
 */
function inProcessDeployments(definitions: readonly DeploymentDefinition[]): DeploymentRunner {
  const runs = new Map<string, Promise<ChildRunOutcome>>();
  const start: DeploymentRunner["start"] = (request, host) => {
    const known = runs.get(request.runId);
    if (known !== undefined) return known;
    const d = definitions.find(
      (x) => x.flowName === request.flowName && x.options.name === request.deploymentName,
    );
    if (d === undefined) {
      return Promise.reject(new NonRetryableError(`No deployment '${request.ref}'`));
    }
    const run = inProcessSubflows.run(
      {
        flow: d.flow,
        runId: request.runId,
        params: { ...d.options.parameters, ...request.params },
        parentRunId: request.parentRunId,
        parentStepId: request.parentStepId,
        tags: [...(d.options.tags ?? []), ...(request.tags ?? [])],
        signal: request.signal,
      },
      host,
    );
    runs.set(request.runId, run);
    return run;
  };
  return { start, status: start };
}

describe("iris-dependent-flows", () => {
  test("starts data-engineer's deployment, then data-science's on its split", async () => {
    const journal = new InMemoryJournal();
    const handle = irisDependentFlows.start(
      { testDataRatio: 0.2 },
      { journal, console: false, deployments: inProcessDeployments(deployments) },
    );
    const outcome = await handle.result();
    assert.deepEqual([outcome.trainRows, outcome.testRows], [120, 30]);
    assert.ok(outcome.accuracy >= 0.9, `accuracy ${outcome.accuracy}`);
    const children = (await journal.runIds()).filter((id) => id !== handle.runId);
    const views = await Promise.all(children.map((id) => inspectRun(journal, id)));
    assert.deepEqual(views.map((v) => v.flowName).sort(), ["data-engineer", "data-science"]);
    for (const view of views) {
      assert.equal(view.parentRunId, handle.runId);
      assert.ok(view.tags.includes("iris"), "the deployment's tags");
    }
  });

  test("in a plain script (no deployments) it fails saying to use the subflow form", async () => {
    const error = await irisDependentFlows.run({}, { console: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof FlowRunError);
    assert.ok(error.cause instanceof Error);
    assert.match(error.cause.message, /Cannot run deployment 'data-engineer\/hourly' here/);
  });
});
