// The remote host against the real Worker (the default app under `wrangler dev`, with a token):
// a run executed in this process with runOnServer is listed Completed with its steps and logs;
// 200 small steps take far fewer than 200 append requests; a holder cut off past its lease
// stops with LeaseLostError while a second holder finishes the run with no committed step run
// again; cancel through the API stops the run; and `examples/cat_fact.ts` with WEIR_API_URL
// records its run on the server.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type DevServer,
  FACT,
  type FactServer,
  root,
  startFactServer,
  startServer,
} from "../../../cli/test/server.ts";
import { WeirApiError, WeirClient } from "../../../client/mod.ts";
import { MIN_REMOTE_LEASE_MS } from "../../../protocol/remote_run.ts";
import { FlowRunError, flow, type TaskContext, task } from "../../../runtime/host.ts";
import {
  LeaseLostError,
  type RemoteRun,
  resumeOnServer,
  runOnServer,
  startOnServer,
} from "../mod.ts";

const TOKEN = "remote-s3cret";

const executions = new Map<string, number>();
const counted = task({ name: "counted" }, (key: string, i: number) => {
  const k = `${key}/${i}`;
  executions.set(k, (executions.get(k) ?? 0) + 1);
  return i;
});
const steps = flow({ name: "remote-steps" }, async function* (params: { key: string; n: number }) {
  let sum = 0;
  for (let i = 0; i < params.n; i++) sum += yield* counted(params.key, i);
  return sum;
});

const greet = task({ name: "greet" }, function (this: TaskContext, who: string) {
  this.logger.info(`greeting ${who}`);
  return `hello ${who}`;
});
const hello = flow({ name: "remote-hello" }, async function* (params: { who: string }) {
  return yield* greet(params.who);
});

/** Counts requests by "METHOD /path-tail" (the last path segment). */
function countingFetch() {
  const counts = new Map<string, number>();
  const counted: typeof fetch = (input, init) => {
    const path = new URL(String(input)).pathname;
    const key = `${init?.method ?? "GET"} ${path.split("/").at(-1)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return fetch(input, init);
  };
  return { fetch: counted, count: (key: string) => counts.get(key) ?? 0 };
}

/** A fetch whose requests can be held back, as across a network partition. */
function partitionable() {
  let cut: Promise<void> | undefined;
  let heal = () => {};
  return {
    fetch: (async (input, init) => {
      if (cut !== undefined) await cut;
      return fetch(input, init);
    }) as typeof fetch,
    cut() {
      cut = new Promise((resolve) => {
        heal = resolve;
      });
    },
    heal() {
      cut = undefined;
      heal();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("remote runs against a local Worker", { timeout: 300_000 }, () => {
  let server: DevServer;
  let facts: FactServer;
  let client: WeirClient;
  let base: { url: string; token: string; console: false };

  before(async () => {
    [server, facts] = await Promise.all([startServer({ token: TOKEN }), startFactServer()]);
    client = new WeirClient({ baseUrl: server.url, token: TOKEN });
    base = { url: server.url, token: TOKEN, console: false };
  });
  after(async () => {
    await Promise.all([server?.stop(), facts?.close()]);
  });

  test("a run made with runOnServer is listed Completed, with its steps and logs", async () => {
    const run = { runId: crypto.randomUUID() };
    const result = await runOnServer(hello, { who: "ana" }, { ...base, runId: run.runId });
    assert.equal(result, "hello ana");
    const detail = await client.getRun(run.runId);
    assert.equal(detail.flowName, "remote-hello");
    assert.equal(detail.state?.type, "COMPLETED");
    assert.equal(detail.result, "hello ana");
    assert.deepEqual(
      detail.steps.map((s) => s.name),
      ["greet"],
    );
    const listed = await client.listRunsPage({ flow: "remote-hello" });
    assert.equal(listed.runs.find((r) => r.id === run.runId)?.state.type, "COMPLETED");
    const messages = (await client.getLogs(run.runId)).logs.map((l) => l.message);
    assert.ok(messages.includes("greeting ana"), messages.join("\n"));
    assert.ok(
      messages.some((m) => m.startsWith("Beginning flow run")),
      messages.join("\n"),
    );
    assert.ok(messages.includes("Finished in state Completed()"), messages.join("\n"));
  });

  test("200 small steps take far fewer than 200 append requests", async () => {
    const figures: string[] = [];
    for (const ack of ["buffered", "stored"] as const) {
      const counter = countingFetch();
      const started = performance.now();
      const run = await startOnServer(
        steps,
        { key: `batch-${ack}`, n: 200 },
        { ...base, fetch: counter.fetch, ack },
      );
      assert.equal(await run.result(), (199 * 200) / 2);
      const ms = performance.now() - started;
      const appends = counter.count("POST journal");
      figures.push(`ack ${ack}: ${appends} appends, ${ms.toFixed(0)} ms`);
      if (ack === "buffered") assert.ok(appends < 20, `${appends} append requests`);
      assert.equal((await client.getRun(run.runId)).state?.type, "COMPLETED");
    }
    console.log(`200 steps on the Worker: ${figures.join("; ")}`);
  });

  test("a holder cut off past its lease stops with LeaseLostError; a second finishes the run", async () => {
    const key = "lease";
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached!: () => void;
    const reachedGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let firstExecution = true;
    const gated = task({ name: "gated" }, async (first: boolean) => {
      if (first) {
        reached();
        await gate;
      }
      return 0;
    });
    const leased = flow({ name: "remote-leased" }, async function* (params: { n: number }) {
      let sum = 0;
      for (let i = 0; i < params.n; i++) {
        if (i === 5) sum += yield* gated(firstExecution);
        else sum += yield* counted(key, i);
      }
      return sum;
    });
    const net = partitionable();
    const ttlMs = MIN_REMOTE_LEASE_MS;
    const one = await startOnServer(
      leased,
      { n: 10 },
      { ...base, ttlMs, fetch: net.fetch, holder: "one" },
    );
    await reachedGate;
    firstExecution = false;
    await sleep(50); // steps 0-4 reach the server within lingerMs
    net.cut();
    // Holder two claims the run once holder one's lease has expired (bounded wait).
    let two: RemoteRun<number> | undefined;
    const deadline = Date.now() + ttlMs + 5_000;
    while (two === undefined) {
      try {
        two = await resumeOnServer(leased, one.runId, { ...base, ttlMs, holder: "two" });
      } catch (error) {
        if (!(error instanceof WeirApiError && error.code === "lease_held")) throw error;
        if (Date.now() > deadline) throw new Error("the lease never expired");
        await sleep(100);
      }
    }
    assert.equal(two.lease.epoch, 2);
    assert.equal(await two.result(), 0 + 1 + 2 + 3 + 4 + 6 + 7 + 8 + 9);
    // Holder one's step 5 ends while it is cut off; then it hears from the server.
    release();
    await sleep(50);
    net.heal();
    await assert.rejects(one.result(), LeaseLostError);
    for (let i = 0; i < 10; i++) {
      if (i !== 5) assert.equal(executions.get(`${key}/${i}`), 1, `step ${i} ran once`);
    }
    const detail = await client.getRun(one.runId);
    assert.equal(detail.state?.type, "COMPLETED");
    assert.equal(detail.result, 40);
  });

  test("cancel through the API stops the run", async () => {
    let started!: () => void;
    const waiting = new Promise<void>((resolve) => {
      started = resolve;
    });
    const waits = task({ name: "waits" }, function (this: TaskContext) {
      started();
      return new Promise<never>((_, reject) => {
        this.signal.addEventListener("abort", () => reject(this.signal.reason));
      });
    });
    const forever = flow({ name: "remote-forever" }, async function* () {
      yield* waits();
    });
    const run = await startOnServer(forever, undefined, { ...base, ttlMs: MIN_REMOTE_LEASE_MS });
    await waiting;
    const t0 = Date.now();
    await client.cancelRun(run.runId, "stop it");
    await assert.rejects(run.result(), FlowRunError);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < MIN_REMOTE_LEASE_MS, `cancelled within ${elapsed} ms`);
    assert.equal((await run.finalState()).type, "CANCELLED");
    assert.equal((await client.getRun(run.runId)).state?.type, "CANCELLED");
  });

  for (const runtime of ["node", "deno"] as const) {
    test(`examples/cat_fact.ts under ${runtime} with WEIR_API_URL records its run`, async () => {
      const script = ["examples/cat_fact.ts", "--param", `url=${facts.url}`];
      const [command, args] =
        runtime === "node"
          ? [process.execPath, ["--import", "tsx", ...script]]
          : [join(root, "node_modules/.bin/deno"), ["run", "--no-check", "-A", ...script]];
      // Not spawnSync: the fact server answers from this process's event loop.
      const child = spawn(command, args, {
        cwd: root,
        env: { ...process.env, NO_COLOR: "1", WEIR_API_URL: server.url, WEIR_API_TOKEN: TOKEN },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += String(d);
      });
      child.stderr.on("data", (d) => {
        out += String(d);
      });
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 0, out);
      const match = out.match(new RegExp(`${server.url}/runs/([0-9a-f-]+)`));
      assert.ok(match, `prints the run's URL:\n${out}`);
      assert.match(out, /Finished in state Completed\(\)/, "prints the engine's lines too");
      const id = match[1] ?? "";
      const detail = await client.getRun(id);
      assert.equal(detail.flowName, "cat-fact");
      assert.equal(detail.state?.type, "COMPLETED");
      assert.equal(detail.result, FACT);
      const messages = (await client.getLogs(id)).logs.map((l) => l.message);
      assert.ok(messages.includes(FACT), messages.join("\n"));
    });
  }
});
