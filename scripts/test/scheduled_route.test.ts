// What `npm start` relies on: under `wrangler dev --test-scheduled`, /__scheduled reaches the
// Worker's scheduled handler (wrangler.toml's run_worker_first sends it past the UI's assets),
// and the tick schedules the default app's code-declared deployments.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { DeploymentList, RunPage } from "../../protocol/mod.ts";
import { startWorker, type Worker } from "../default_app_server.ts";

let worker: Worker;
before(async () => {
  worker = await startWorker();
});
after(async () => {
  await worker?.stop();
});

test("/__scheduled runs the scheduler's tick, which schedules the seed deployments", {
  timeout: 120_000,
}, async () => {
  const res = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.doesNotMatch(text, /<!doctype html>/i, "answered by the Worker, not the UI's index.html");
  assert.match(text, /Ran scheduled event/);

  const { deployments } = await worker.api<DeploymentList>("/api/deployments");
  const hourly = deployments.find((d) => d.flowName === "data-engineer" && d.name === "hourly");
  assert.ok(
    hourly,
    `the code-declared deployments are applied: ${deployments.map((d) => `${d.flowName}/${d.name}`).join(", ")}`,
  );
  assert.equal(hourly.source, "code");
  // The handler runs the tick in waitUntil, after answering: wait for its runs to be listed.
  let upcoming = await worker.api<RunPage>(`/api/deployments/${hourly.id}/runs?state=SCHEDULED`);
  for (let i = 0; i < 100 && upcoming.runs.length < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    upcoming = await worker.api<RunPage>(`/api/deployments/${hourly.id}/runs?state=SCHEDULED`);
  }
  // Prefect's horizon for an hourly schedule: at least 3 runs and at least an hour ahead.
  assert.ok(upcoming.runs.length >= 3, `scheduled ${upcoming.runs.length} runs`);
  const times = upcoming.runs.map((r) => r.scheduledAt as number);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    "soonest first",
  );
  for (let i = 1; i < times.length; i++)
    assert.equal((times[i] as number) - (times[i - 1] as number), 3_600_000);

  // A second tick creates nothing twice (the tick route answers when its work is done).
  await (await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).text();
  await worker.api("/api/scheduler/tick", { method: "POST" });
  const again = await worker.api<RunPage>(`/api/deployments/${hourly.id}/runs?state=SCHEDULED`);
  assert.deepEqual(
    again.runs.map((r) => r.id),
    upcoming.runs.map((r) => r.id),
  );
});
