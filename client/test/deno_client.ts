// The client (client/) under Deno, against the server that cli/test/deno.test.ts starts
// (WEIR_API_URL, WEIR_API_TOKEN, FACT_URL in the environment): routes, paging, the live feed
// over Deno's own WebSocket with the token subprotocol, both errors, and deployments.
//
//   WEIR_API_URL=... WEIR_API_TOKEN=... FACT_URL=... deno test --allow-net --allow-env client/test/deno_client.ts
import { isFinalStateType, WeirApiError, WeirClient, WeirUnreachableError } from "../mod.ts";

/** Deno's global, typed here so the repository's tsc (which has no Deno types) checks this file. */
const Deno = (
  globalThis as unknown as {
    Deno: {
      env: { get(name: string): string | undefined };
      test(name: string, fn: () => Promise<void>): void;
    };
  }
).Deno;

function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const factUrl = Deno.env.get("FACT_URL") ?? "";

Deno.test("the client runs a flow and follows it live under Deno", async () => {
  const client = new WeirClient(); // from WEIR_API_URL and WEIR_API_TOKEN
  ok((await client.health()).status === "ok", "health");
  ok(
    (await client.listFlows()).some((f) => f.name === "cat-fact"),
    "cat-fact listed",
  );
  const run = await client.createRun("cat-fact", { parameters: { url: factUrl }, tags: ["deno"] });
  let final: string | undefined;
  const seen: string[] = [];
  for await (const message of client.live(run.id)) {
    seen.push(message.type === "snapshot" ? `snapshot:${message.run?.state?.type}` : message.type);
    if (message.type === "snapshot" && isFinalStateType(message.run?.state?.type)) {
      final = message.run?.state?.type;
      break;
    }
  }
  ok(final === "COMPLETED", `final state ${final} after ${seen.join(", ")}`);
  const ids: string[] = [];
  for await (const summary of client.listRuns({ tag: "deno", limit: 1 })) ids.push(summary.id);
  ok(ids.includes(run.id), `listed: ${ids.join()} lacks ${run.id}`);
  const lines: string[] = [];
  for await (const line of client.logs(run.id, { follow: true })) lines.push(line.message);
  ok(lines.length > 0, "logs");
  ok((await client.getGraph(run.id)).nodes.length > 0, "graph");
});

Deno.test("the client's errors under Deno", async () => {
  const wrong = new WeirClient({ token: "wrong" });
  const refused = await wrong.health().catch((e: unknown) => e);
  ok(refused instanceof WeirApiError && refused.status === 401, `401: ${refused}`);
  const invalid = await new WeirClient()
    .createRun("cat-fact", { parameters: { url: "not a url" } })
    .catch((e: unknown) => e);
  ok(invalid instanceof WeirApiError && invalid.field === "parameters.url", `422: ${invalid}`);
  const down = await new WeirClient({ baseUrl: "http://127.0.0.1:9" })
    .health()
    .catch((e: unknown) => e);
  ok(down instanceof WeirUnreachableError, `unreachable: ${down}`);
});

Deno.test("the client's deployment routes under Deno", async () => {
  const client = new WeirClient();
  const created = await client.createDeployment({
    flowName: "elevator",
    name: `deno-${crypto.randomUUID()}`,
    parameters: { floors: 2, msPerFloor: 0 },
    schedules: [{ schedule: { cron: "0 0 * * *", timezone: "America/Sao_Paulo" } }],
  });
  const found = await client.resolveDeployment(`elevator/${created.name}`);
  ok(found.id === created.id, `resolved ${found.id}, created ${created.id}`);
  ok(
    (await client.listDeployments()).some((d) => d.id === created.id),
    "listed",
  );
  const run = await client.createDeploymentRun(created.id, { parameters: { floors: 1 } });
  let final: string | undefined;
  for await (const message of client.live(run.id)) {
    if (message.type === "snapshot" && isFinalStateType(message.run?.state?.type)) {
      final = message.run?.state?.type;
      break;
    }
  }
  ok(final === "COMPLETED", `deployment run ended ${final}`);
  const preview = await client.previewSchedule(
    { cron: "0 0 * * *", timezone: "America/Sao_Paulo" },
    { from: "2030-01-01T00:00:00Z", count: 1 },
  );
  ok(preview.times[0] === "2030-01-01T00:00:00-03:00", `preview ${preview.times.join()}`);
  const bad = await client
    .createSchedule(created.id, { schedule: { cron: "61 * * * *" } })
    .catch((e: unknown) => e);
  ok(bad instanceof WeirApiError && bad.field === "schedule.cron", `422: ${bad}`);
  await client.deleteDeployment(created.id);
  const gone = await client.getDeployment(created.id).catch((e: unknown) => e);
  ok(gone instanceof WeirApiError && gone.status === 404, `404: ${gone}`);
});
