/**
 * One round of the concurrency-limit benchmark's hand-off (`limits.ts`): N runs queue for a
 * tag limit of 1 held by the bench; the bench lets go (workerd's CPU measured around it), then
 * reads each run's task start and end, and its task step's Running state, from the API.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { type Dev, workerdPids } from "./dev_server.ts";
import { request } from "./http.ts";
import type { Stamp } from "./limits_app.ts";

/**
 * A POST to workerd's socket, its JSON answer; throws on a status of 300 or more.
 *
 * @example
 * ```ts
 * await post(dev, "/api/concurrency-limits", { name: "bench-handoff", limit: 1 });
 * ```
 */
export async function post(dev: Dev, path: string, body?: unknown): Promise<unknown> {
  const answer = await request(dev.direct, "POST", path, body);
  if (answer.status >= 300) throw new Error(`${path}: ${answer.status} ${answer.body}`);
  return JSON.parse(answer.body);
}

interface StepDetail {
  readonly kind: string;
  readonly stateHistory: readonly { name: string; timestamp: number }[];
}
interface RunDetail {
  readonly state: { type: string } | null;
  readonly result: Stamp | null;
  readonly stateHistory: readonly { name: string; timestamp: number }[];
  readonly steps: readonly StepDetail[];
}

/**
 * CPU ticks (user + system, 10 ms each) of the server's workerd processes.
 *
 * @example
 * ```ts
 * const before = await cpuTicks(dev);
 * ```
 */
export async function cpuTicks(dev: Dev): Promise<number> {
  let total = 0;
  for (const pid of await workerdPids(dev.proc.pid ?? -1)) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return total;
}

async function runDetail(dev: Dev, id: string): Promise<RunDetail> {
  for (let attempt = 0; ; attempt++) {
    const answer = await request(dev.direct, "GET", `/api/runs/${id}`);
    const run = JSON.parse(answer.body) as RunDetail;
    if (run.state?.type === "COMPLETED" || attempt > 100) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * One hand-off round: the gaps between tasks, and where a gap goes.
 *
 * @example
 * ```ts
 * const gaps = rounds.flatMap((r: Round) => r.gapsMs);
 * ```
 */
export interface Round {
  readonly gapsMs: number[];
  /** The first task's start minus the moment the bench released its slot. */
  readonly firstMs: number;
  /** Previous task's end → the next task step's Running state (grant, wake, execution, acquire). */
  readonly toRunningMs: number[];
  /** The next task step's Running state → its start (the engine starting the task). */
  readonly runningToStartMs: number[];
  /** The bench's release → the last task's end. */
  readonly chainMs: number;
  /** workerd's CPU over the release request (the whole chain), ms. */
  readonly cpuMs: number;
}

/**
 * Queues `n` runs for the tag limit `bench-handoff` (1 slot, held by the bench), lets go, and
 * measures each hand-off; `onFailure` is called for each run that did not complete.
 *
 * @example
 * ```ts
 * const round = await handoffRound(dev, 100, () => failures++);
 * ```
 */
export async function handoffRound(dev: Dev, n: number, onFailure: () => void): Promise<Round> {
  const { runIds, lease } = (await post(dev, `/bench/limits/handoff/queue?n=${n}`)) as {
    runIds: string[];
    lease: string;
  };
  // Let the runs' creation finish its trailing work (index rows) before the chain starts.
  await new Promise((r) => setTimeout(r, 1_000));
  const before = await cpuTicks(dev);
  const { releasedAt } = (await post(
    dev,
    `/bench/limits/handoff/release?lease=${encodeURIComponent(lease)}`,
  )) as { releasedAt: number };
  const cpuMs = ((await cpuTicks(dev)) - before) * 10;
  const runs: { stamp: Stamp; running: number }[] = [];
  for (const id of runIds) {
    const run = await runDetail(dev, id);
    if (run.state?.type !== "COMPLETED" || run.result === null) {
      onFailure();
      console.error(`hand-off run ${id} ended ${run.state?.type}`);
      continue;
    }
    const task = run.steps.find((s) => s.kind === "task");
    const running = task?.stateHistory.findLast((s) => s.name === "Running")?.timestamp;
    runs.push({ stamp: run.result, running: running ?? Number.NaN });
  }
  runs.sort((a, b) => a.stamp.start - b.stamp.start);
  const round: Round = {
    gapsMs: [],
    firstMs: (runs[0]?.stamp.start ?? Number.NaN) - releasedAt,
    toRunningMs: [],
    runningToStartMs: [],
    chainMs: (runs.at(-1)?.stamp.end ?? Number.NaN) - releasedAt,
    cpuMs,
  };
  for (let i = 1; i < runs.length; i++) {
    const prev = runs[i - 1] as (typeof runs)[number];
    const next = runs[i] as (typeof runs)[number];
    round.gapsMs.push(next.stamp.start - prev.stamp.end);
    round.toRunningMs.push(next.running - prev.stamp.end);
    round.runningToStartMs.push(next.stamp.start - next.running);
  }
  return round;
}
