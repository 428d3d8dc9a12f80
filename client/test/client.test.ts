// The typed client (client/) under Node against the real Worker under `wrangler dev`: every
// route, cursor paging, followed logs, the live feed with the token subprotocol, and its two
// errors. Node 20 has no global WebSocket, so the live feed uses the `ws` package.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WebSocket as NodeWebSocket } from "ws";
import {
  type DevServer,
  FACT,
  type FactServer,
  freePort,
  startFactServer,
  startServer,
} from "../../cli/test/server.ts";
import {
  isFinalStateType,
  type LiveMessage,
  type RunDetail,
  type WebSocketConstructor,
  WeirApiError,
  WeirClient,
  WeirUnreachableError,
} from "../mod.ts";

const TOKEN = "s3cret-token";

describe("WeirClient against a local Worker", { timeout: 300_000 }, () => {
  let server: DevServer;
  let facts: FactServer;
  let client: WeirClient;

  before(async () => {
    [server, facts] = await Promise.all([startServer({ token: TOKEN }), startFactServer()]);
    client = new WeirClient({
      baseUrl: `${server.url}/`,
      token: TOKEN,
      WebSocket:
        (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
        (NodeWebSocket as unknown as WebSocketConstructor),
    });
  });
  after(async () => {
    await Promise.all([server?.stop(), facts?.close()]);
  });

  /** Follows the live feed until the run is final; answers the messages seen. */
  async function liveToEnd(id: string): Promise<LiveMessage[]> {
    const seen: LiveMessage[] = [];
    for await (const message of client.live(id)) {
      seen.push(message);
      if (message.type === "snapshot" && isFinalStateType(message.run?.state?.type)) break;
    }
    return seen;
  }

  test("health, flows", async () => {
    const health = await client.health();
    assert.equal(health.status, "ok");
    const flows = await client.listFlows();
    assert.equal(flows.length, health.flows);
    const flow = await client.getFlow("cat-fact");
    assert.equal(flow.name, "cat-fact");
    assert.ok(flow.parametersSchema !== null);
  });

  test("create a run and follow it over the live feed with the token subprotocol", async () => {
    const run = await client.createRun("cat-fact", {
      parameters: { url: facts.url },
      tags: ["client"],
      name: "from-client",
    });
    assert.equal(run.name, "from-client");
    const seen = await liveToEnd(run.id);
    assert.equal(seen[0]?.type, "snapshot");
    const last = seen.at(-1) as Extract<LiveMessage, { type: "snapshot" }>;
    assert.equal(last.run?.state?.type, "COMPLETED");
    const detail = await client.getRun(run.id);
    assert.equal(detail.result, FACT);
    const graph = await client.getGraph(run.id);
    assert.ok(graph.nodes.some((n) => n.label.startsWith("call-api")));
    assert.ok(graph.edges.some((e) => e.kind === "data"));
    const page = await client.getLogs(run.id, { level: "INFO" });
    assert.ok(page.logs.some((l) => l.message === FACT));
    const all: string[] = [];
    for await (const line of client.logs(run.id, { follow: true, limit: 1 })) {
      all.push(line.message);
    }
    assert.ok(all.length > 1 && all.includes(FACT), all.join("\n"));
  });

  test("listRuns pages with the cursor", async () => {
    for (let i = 0; i < 3; i++) {
      await client.createRun("cat-fact", { parameters: { url: facts.url }, tags: ["paging"] });
    }
    const first = await client.listRunsPage({ tag: "paging", limit: 2 });
    assert.equal(first.runs.length, 2);
    assert.ok(first.nextCursor !== null);
    const ids: string[] = [];
    for await (const run of client.listRuns({ tag: "paging", limit: 1 })) ids.push(run.id);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
  });

  test("cancel, retry, send an event", async () => {
    facts.mode = "hold";
    const run = await client.createRun("cat-fact", { parameters: { url: facts.url } });
    let current: RunDetail = run;
    for (let i = 0; i < 100 && current.state?.type !== "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      current = await client.getRun(run.id);
    }
    assert.equal((await client.sendEvent(run.id, "nudge", { n: 1 })).id, run.id);
    const cancelled = await client.cancelRun(run.id, "from the client test");
    assert.equal(cancelled.id, run.id);
    const seen = await liveToEnd(run.id);
    const last = seen.at(-1) as Extract<LiveMessage, { type: "snapshot" }>;
    assert.equal(last.run?.state?.type, "CANCELLED");
    facts.mode = "ok";
    const retried = await client.retryRun(run.id);
    assert.equal(retried.id, run.id);
    const again = await liveToEnd(run.id);
    const end = again.at(-1) as Extract<LiveMessage, { type: "snapshot" }>;
    assert.equal(end.run?.state?.type, "COMPLETED");
  });

  test("API errors carry status, code and field", async () => {
    const notFound = await client.getFlow("nope").catch((e: unknown) => e);
    assert.ok(notFound instanceof WeirApiError);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.code, "not_found");
    const invalid = await client
      .createRun("cat-fact", { parameters: { url: "not a url" } })
      .catch((e: unknown) => e);
    assert.ok(invalid instanceof WeirApiError);
    assert.equal(invalid.status, 422);
    assert.equal(invalid.field, "parameters.url");
    const done = (await client.listRunsPage({ state: "COMPLETED", limit: 1 })).runs[0];
    const conflict = await client.cancelRun(done?.id as string).catch((e: unknown) => e);
    assert.ok(conflict instanceof WeirApiError);
    assert.equal(conflict.status, 409);
  });

  test("a wrong token is a 401, also on the live feed", async () => {
    const wrong = new WeirClient({
      baseUrl: server.url,
      token: "wrong",
      WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
    });
    const error = await wrong.health().catch((e: unknown) => e);
    assert.ok(error instanceof WeirApiError);
    assert.equal(error.status, 401);
    assert.equal(error.code, "unauthorized");
    const id = (await client.listRunsPage({ limit: 1 })).runs[0]?.id as string;
    const live = await (async () => {
      for await (const _ of wrong.live(id)) return "opened";
      return "ended";
    })().catch((e: unknown) => e);
    assert.ok(live instanceof WeirApiError, String(live));
    assert.equal(live.status, 401);
  });

  test("an unreachable server is a WeirUnreachableError naming the URL", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await new WeirClient({ baseUrl: url }).health().catch((e: unknown) => e);
    assert.ok(error instanceof WeirUnreachableError);
    assert.equal(error.url, url);
    assert.match(error.message, /ECONNREFUSED/);
  });

  test("the base URL and token come from WEIR_API_URL and WEIR_API_TOKEN", async () => {
    process.env.WEIR_API_URL = server.url;
    process.env.WEIR_API_TOKEN = TOKEN;
    try {
      const fromEnv = new WeirClient();
      assert.equal(fromEnv.baseUrl, server.url);
      assert.equal((await fromEnv.health()).status, "ok");
      const noToken = await new WeirClient({ token: null }).health().catch((e: unknown) => e);
      assert.ok(noToken instanceof WeirApiError && noToken.status === 401);
    } finally {
      delete process.env.WEIR_API_URL;
      delete process.env.WEIR_API_TOKEN;
    }
  });
});
