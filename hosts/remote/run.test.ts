// The remote host against an in-process fake of the remote-run routes (test/fake_server.ts):
// a run's journal and logs reach the server in batches, a lost lease stops the run and a second
// holder finishes it without re-running committed steps, and cancellation from the server
// reaches the run. The same checks against the real Worker are in test/.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FlowRunError, flow, type TaskContext, task } from "../../runtime/host.ts";
import { LeaseLostError } from "./errors.ts";
import { resumeOnServer, runOnServer, startOnServer } from "./run.ts";
import { FakeServer } from "./test/fake_server.ts";

const executions = new Map<string, number>();
const counted = task({ name: "counted" }, (key: string, i: number) => {
  const k = `${key}/${i}`;
  executions.set(k, (executions.get(k) ?? 0) + 1);
  return i;
});
const steps = flow({ name: "many-steps" }, async function* (params: { key: string; n: number }) {
  let sum = 0;
  for (let i = 0; i < params.n; i++) sum += yield* counted(params.key, i);
  return sum;
});

const say = task({ name: "say" }, function (this: TaskContext, text: string) {
  this.logger.info(`saying ${text}`);
  return text.toUpperCase();
});
const hello = flow({ name: "hello" }, async function* (params: { who: string }) {
  return yield* say(`hello ${params.who}`);
});

test("a run's journal and logs are recorded on the server", async () => {
  const fake = new FakeServer();
  const run = await startOnServer(
    hello,
    { who: "ana" },
    {
      url: fake.url,
      fetch: fake.fetch,
      console: false,
    },
  );
  assert.equal(await run.result(), "HELLO ANA");
  assert.equal(run.url, `${fake.url}/runs/${run.runId}`);
  const stored = fake.runs.get(run.runId);
  assert.ok(stored);
  const types = stored.entries.map((e) => e.type);
  assert.deepEqual(types.slice(0, 2), ["run.created", "run.state"]);
  assert.ok(types.includes("step.completed"));
  const last = stored.entries.at(-1);
  assert.equal(last?.type === "run.state" && last.state.type, "COMPLETED");
  // The task's own line is sent; the engine's state lines are not (the server renders them).
  assert.deepEqual(
    stored.logs.map((l) => l.message),
    ["saying hello ana"],
  );
  assert.equal(fake.count("POST release"), 1, "the lease is given back");
});

test("200 small steps take far fewer than 200 appends; both acks measured", async () => {
  for (const ack of ["buffered", "stored"] as const) {
    const fake = new FakeServer({ delayMs: 1 });
    const started = performance.now();
    const sum = await runOnServer(
      steps,
      { key: `batch-${ack}`, n: 200 },
      { url: fake.url, fetch: fake.fetch, console: false, ack },
    );
    const ms = performance.now() - started;
    assert.equal(sum, (199 * 200) / 2);
    const appends = fake.count("POST journal");
    console.log(`ack ${ack}: 200 steps, ${appends} append requests, ${ms.toFixed(0)} ms`);
    if (ack === "buffered") assert.ok(appends < 40, `${appends} appends`);
  }
});

/** A fetch whose requests can be held back, as across a network partition. */
function partitionable(inner: typeof fetch) {
  let cut: Promise<void> | undefined;
  let heal = () => {};
  return {
    fetch: (async (input, init) => {
      if (cut !== undefined) await cut;
      return inner(input, init);
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

test("a lost lease stops the run; a second holder finishes it, no committed step runs again", async () => {
  const fake = new FakeServer();
  const key = "lease";
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let blocked!: () => void;
  const reachedGate = new Promise<void>((resolve) => {
    blocked = resolve;
  });
  const gated = task({ name: "gated" }, async (first: boolean) => {
    if (first) {
      blocked();
      await gate;
    }
    return 0;
  });
  let firstExecution = true;
  const leased = flow({ name: "leased" }, async function* (params: { n: number }) {
    let sum = 0;
    for (let i = 0; i < params.n; i++) {
      if (i === 5) sum += yield* gated(firstExecution);
      else sum += yield* counted(key, i);
    }
    return sum;
  });
  const net = partitionable(fake.fetch);
  const options = { url: fake.url, console: false, ttlMs: 300 } as const;
  const one = await startOnServer(
    leased,
    { n: 10 },
    { ...options, fetch: net.fetch, holder: "one" },
  );
  await reachedGate;
  firstExecution = false;
  // Holder one is cut off past its lease (steps 0-4 were sent within lingerMs); holder two
  // takes the run over and finishes it.
  await new Promise((resolve) => setTimeout(resolve, 20));
  net.cut();
  await new Promise((resolve) => setTimeout(resolve, 350));
  const two = await resumeOnServer(leased, one.runId, {
    ...options,
    fetch: fake.fetch,
    holder: "two",
  });
  assert.equal(two.lease.epoch, 2);
  assert.equal(await two.result(), 0 + 1 + 2 + 3 + 4 + 6 + 7 + 8 + 9);
  // Holder one's step 5 ends while it is still cut off, then it hears from the server.
  release();
  await new Promise((resolve) => setTimeout(resolve, 20));
  net.heal();
  await assert.rejects(one.result(), LeaseLostError);
  for (let i = 0; i < 10; i++) {
    if (i !== 5) assert.equal(executions.get(`${key}/${i}`), 1, `step ${i} ran once`);
  }
  const entries = fake.runs.get(one.runId)?.entries ?? [];
  assert.equal(entries.filter((e) => e.type === "run.finished").length, 1);
});

test("a batch whose answer was lost is not stored twice", async () => {
  const fake = new FakeServer();
  fake.lostAnswers.add(1);
  fake.lostAnswers.add(2);
  const run = await startOnServer(
    steps,
    { key: "lost-answer", n: 3 },
    { url: fake.url, fetch: fake.fetch, console: false, ack: "stored" },
  );
  assert.equal(await run.result(), 3);
  assert.equal(run.stats.retries, 2);
  const entries = fake.runs.get(run.runId)?.entries ?? [];
  const running = entries.filter((e) => e.type === "run.state" && e.state.type === "RUNNING");
  assert.equal(running.length, 1, "the first append is stored once");
  assert.equal(entries.filter((e) => e.type === "run.finished").length, 1);
});

test("cancellation requested on the server cancels the run", async () => {
  const fake = new FakeServer();
  const waits = task({ name: "waits" }, function (this: TaskContext) {
    return new Promise<never>((_, reject) => {
      this.signal.addEventListener("abort", () => reject(this.signal.reason));
    });
  });
  const forever = flow({ name: "forever" }, async function* () {
    yield* waits();
  });
  const run = await startOnServer(forever, undefined, {
    url: fake.url,
    fetch: fake.fetch,
    console: false,
    ttlMs: 150,
  });
  fake.requestCancel(run.runId);
  await assert.rejects(run.result(), FlowRunError);
  const state = await run.finalState();
  assert.equal(state.type, "CANCELLED");
  const last = fake.runs.get(run.runId)?.entries.at(-1);
  assert.equal(last?.type === "run.state" && last.state.type, "CANCELLED");
});
