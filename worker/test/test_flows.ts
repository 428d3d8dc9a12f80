/**
 * Flows the Worker tests drive: small, deterministic, and instrumented (each task counts its
 * executions in a D1 table, which outlives a reset Durable Object).
 *
 * @module
 */

import { env } from "cloudflare:workers";
import { z } from "zod";
import { customerSync, dbWriter } from "../../examples/concurrency/flows.ts";
import {
  all,
  flow,
  NonRetryableError,
  sleep,
  type TaskContext,
  task,
  waitForEvent,
} from "../../runtime/host.ts";
import { deploymentCallerFlows } from "./run_deployment_flows.ts";

/** Counts an execution of a step in D1 (tests read `executions`). */
async function count(key: string): Promise<void> {
  await (env as unknown as { DB: D1Database }).DB.prepare(
    "INSERT INTO executions (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
  )
    .bind(key)
    .run();
}

export const add = task({ name: "add" }, async function (this: TaskContext, a: number, b: number) {
  await count(`${this.flowRunId}/${this.taskRunName}`);
  return a + b;
});

export const flaky = task(
  { name: "flaky", retries: 2, retryDelay: 30 },
  async function (this: TaskContext, failures: number) {
    await count(`${this.flowRunId}/${this.taskRunName}`);
    if (this.attempt <= failures) throw new Error(`attempt ${this.attempt} failed`);
    return this.attempt;
  },
);

export const boom = task({ name: "boom" }, async (flag: { fail: boolean }) => {
  if (flag.fail) throw new NonRetryableError("boom");
  return "ok";
});

/** A plain sequence of additions. */
export const sum = flow(
  { name: "sum", params: z.object({ n: z.number().int().min(0).max(1000).default(3) }) },
  async function* ({ n }) {
    let total = 0;
    for (let i = 1; i <= n; i++) total = yield* add(total, i);
    return total;
  },
);

/** Sleeps between two steps. */
export const sleepy = flow({ name: "sleepy" }, async function* (_params: Record<string, never>) {
  const a = yield* add(1, 1);
  yield* sleep("10m");
  return yield* add(a, 1);
});

/** Retries with a 30 s delay. */
export const retrying = flow(
  { name: "retrying" },
  async function* ({ failures }: { failures: number }) {
    return yield* flaky(failures);
  },
);

/** Waits for an approval event. */
export const approval = flow(
  { name: "approval" },
  async function* (_params: Record<string, never>) {
    const before = yield* add(0, 1);
    const payload = yield* waitForEvent<{ by: string }>("approved", { timeout: "1d" });
    return { before, by: payload.by };
  },
);

/** Calls `sum` as a subflow. */
export const parent = flow({ name: "parent" }, async function* ({ n }: { n: number }) {
  const first = yield* add(0, 1);
  const child = yield* sum({ n });
  return first + child;
});

/** Fans out `n` additions. */
export const fanOut = flow({ name: "fan-out" }, async function* ({ n }: { n: number }) {
  const results = yield* all(Array.from({ length: n }, (_, i) => add(i, 1)));
  return results.reduce((a, b) => a + b, 0);
});

/** Fails at a chosen step; retried through the API after the flag changes. */
export const failing = flow({ name: "failing" }, async function* ({ fail }: { fail: boolean }) {
  const a = yield* add(1, 2);
  const b = yield* boom({ fail });
  return { a, b };
});

/**
 * Hooks a test sets to act from inside a running task (same isolate as the Worker under
 * test): `atCheckpoint` runs after a `checkpoint` task has counted its execution.
 */
export const testHooks: {
  atCheckpoint?: (key: string) => void;
  /** While set, a `hold` task waits for it. */
  hold?: Promise<void>;
} = {};

/** Counts its execution, then waits for `testHooks.hold` when a test has set one. */
export const hold = task({ name: "hold" }, async function (this: TaskContext, value: number) {
  await count(`${this.flowRunId}/${this.taskRunName}`);
  await testHooks.hold;
  return value;
});

/** One step that lasts as long as the test holds it. */
export const held = flow({ name: "held" }, async function* ({ n }: { n: number }) {
  return yield* hold(n);
});

async function db(): Promise<D1Database> {
  const database = (env as unknown as { DB: D1Database }).DB;
  await database.exec("CREATE TABLE IF NOT EXISTS gates (run_id TEXT PRIMARY KEY, open INTEGER)");
  return database;
}

/** Opens a run's gate: its `gate` task stops failing. */
export async function openGate(runId: string): Promise<void> {
  await (await db())
    .prepare(
      "INSERT INTO gates (run_id, open) VALUES (?, 1) ON CONFLICT (run_id) DO UPDATE SET open = 1",
    )
    .bind(runId)
    .run();
}

/** Fails (without retries) until the test opens the run's gate in D1. */
export const gate = task({ name: "gate" }, async function (this: TaskContext, value: number) {
  await count(`${this.flowRunId}/${this.taskRunName}`);
  const row = await (await db())
    .prepare("SELECT open FROM gates WHERE run_id = ?")
    .bind(this.flowRunId)
    .first<{ open: number }>();
  if (row?.open !== 1) throw new NonRetryableError("the gate is closed");
  return value * 10;
});

/** Counts its execution, then calls `testHooks.atCheckpoint` (which may reset the object). */
export const checkpoint = task(
  { name: "checkpoint" },
  async function (this: TaskContext, value: number) {
    const key = `${this.flowRunId}/${this.taskRunName}`;
    await count(key);
    testHooks.atCheckpoint?.(key);
    return value + 100;
  },
);

/** Fails at `gate` until the test opens the gate; then a retry through the API completes it. */
export const gated = flow({ name: "gated" }, async function* (_params: Record<string, never>) {
  const a = yield* add(1, 2);
  const b = yield* gate(a);
  return yield* add(a, b);
});

/** Sleeps `ms` milliseconds between two steps. */
export const nap = flow(
  { name: "nap", params: z.object({ ms: z.number().int().min(0) }) },
  async function* ({ ms }) {
    const a = yield* add(0, 1);
    yield* sleep(`${ms}ms`);
    return yield* add(a, 1);
  },
);

/** Three steps, the middle one a checkpoint the test can reset the object from. */
export const resettable = flow(
  { name: "resettable" },
  async function* (_params: Record<string, never>) {
    const a = yield* add(1, 1);
    const b = yield* checkpoint(a);
    yield* sleep("5m");
    const c = yield* add(b, 1);
    return { a, b, c };
  },
);

/** Waits for an event that may never come: times out after an hour. */
export const impatient = flow(
  { name: "impatient", tags: ["waits"] },
  async function* (_params: Record<string, never>) {
    return yield* waitForEvent<string>("go", { timeout: "1h" });
  },
);

export const extract = task({ name: "extract" }, async function (this: TaskContext, n: number) {
  await count(`${this.flowRunId}/${this.taskRunName}`);
  return { rows: Array.from({ length: n }, (_, i) => i) };
});

export const double = task(
  { name: "double" },
  async function (this: TaskContext, data: { rows: number[] }) {
    await count(`${this.flowRunId}/${this.taskRunName}`);
    return { rows: data.rows.map((x) => x * 2) };
  },
);

export const load = task(
  { name: "load" },
  async function (this: TaskContext, a: { rows: number[] }, b: { rows: number[] }) {
    await count(`${this.flowRunId}/${this.taskRunName}`);
    return [...a.rows, ...b.rows].reduce((x, y) => x + y, 0);
  },
);

/** Results flow from step to step as objects, so the run graph has data edges. */
export const etl = flow({ name: "etl" }, async function* ({ n }: { n: number }) {
  const raw = yield* extract(n);
  const doubled = yield* double(raw);
  return yield* load(raw, doubled);
});

/** Like `hold`, tagged `tagged-db`: a tag limit of that name applies to it. */
export const tagHold = task(
  { name: "tag-hold", tags: ["tagged-db"] },
  async function (this: TaskContext, value: number) {
    await count(`${this.flowRunId}/${this.taskRunName}`);
    await testHooks.hold;
    return value;
  },
);

/** One tagged step that lasts as long as the test holds it. */
export const tagHeld = flow({ name: "tag-held" }, async function* ({ n }: { n: number }) {
  return yield* tagHold(n);
});

/** Every test flow. */
export const testFlows = [
  held,
  sum,
  sleepy,
  retrying,
  approval,
  parent,
  fanOut,
  failing,
  gated,
  nap,
  resettable,
  impatient,
  etl,
  tagHeld,
  dbWriter,
  customerSync,
  ...deploymentCallerFlows,
];
