/**
 * Flows the Worker tests drive: small, deterministic, and instrumented (each task counts its
 * executions in a D1 table, which outlives a reset Durable Object).
 *
 * @module
 */

import { env } from "cloudflare:workers";
import { z } from "zod";
import {
  all,
  flow,
  NonRetryableError,
  sleep,
  type TaskContext,
  task,
  waitForEvent,
} from "../../runtime/mod.ts";

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

/** Every test flow. */
export const testFlows = [sum, sleepy, retrying, approval, parent, fanOut, failing];
