/**
 * Scale in one local session (issue 7): `node --import tsx bench/worker/scale.ts`
 * (`npm run bench:scale`; a few minutes, not part of `npm test` or `npm run bench`).
 *
 * Against one `wrangler dev` with its state on disk (a fresh directory under the OS temp dir),
 * on the Worker benchmark's app (`bench_app.ts`), it shows:
 *
 * 1. **One long run.** 25,000 sequential trivial steps in one Weir run (wall time, steps/s,
 *    final state; read back through GET /api/runs/{id}), then the same on Cloudflare Workflows
 *    with a timeout, reporting where and with which error it stops.
 * 2. **Many runs.** 10,000 1-step runs created through the public API
 *    (POST /api/flows/bench-seq/runs), 64 in flight: create latency, runs/s, then every run
 *    counted in the D1 index (GET /api/runs, paged) in a final state and a sample read through
 *    GET /api/runs/{id}; the workerd processes' RSS from /proc. Then 1-step Workflows instances
 *    the same way (created and completed, one request each), stopped at the first timeout or
 *    burst of errors.
 *
 * If workerd stops during a Weir case (or with `--restart`), it restarts `wrangler dev` on the
 * same state and checks that every run the API acknowledged is still listed, complete.
 *
 * Options: `--steps 25000`, `--runs 10000`, `--wf-runs 10000`, `--concurrency 64`,
 * `--port 8788`, `--tmpdir DIR`, `--skip-workflows`, `--restart`, `--keep`,
 * `--out bench/results/worker-scale.json`. The exit code is non-zero if a Weir case failed.
 *
 * @module
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { median, percentile } from "../stats.ts";
import {
  type Dev,
  memory,
  prepare,
  root,
  settle,
  startDev,
  stop,
  stopAndWait,
  workerdAlive,
} from "./dev_server.ts";
import { agent, get, request } from "./http.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const flag = (name: string) => args.includes(`--${name}`);
const STEPS = Number(option("steps", "25000"));
const RUNS = Number(option("runs", "10000"));
const WF_RUNS = Number(option("wf-runs", String(RUNS)));
const CONCURRENCY = Number(option("concurrency", "64"));
const PORT = Number(option("port", "8788"));
const OUT = option("out", "bench/results/worker-scale.json");
const FINAL = new Set(["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]);
const round = (x: number, d = 1) => Number(x.toFixed(d));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const errorText = (e: unknown) => String((e as Error)?.message ?? e).slice(0, 300);
let weirFailures = 0;

// ——— 1. One long run ———

async function longRun(dev: Dev, system: "weir" | "wf", timeoutMs: number) {
  const path =
    system === "weir"
      ? `/bench/weir/run?shape=seq&n=${STEPS}`
      : `/bench/wf/run?shape=seq&n=${STEPS}&poll=50`;
  const started = performance.now();
  let answer: { state?: string; id?: string; error?: unknown; polls?: number } = {};
  let failure: string | undefined;
  try {
    const got = await request(dev.direct, "POST", path, undefined, timeoutMs);
    answer = JSON.parse(got.body) as typeof answer;
    if (got.status !== 200) failure = `HTTP ${got.status}: ${String(answer.error).slice(0, 500)}`;
  } catch (error) {
    failure = errorText(error);
  }
  const seconds = (performance.now() - started) / 1000;
  const result = {
    ...{ system, steps: STEPS },
    seconds: round(seconds, 2),
    stepsPerSecond: round(STEPS / seconds, 0),
    state: answer.state,
    id: answer.id,
    error: failure ?? answer.error,
    api: undefined as unknown,
    workerdAlive: await workerdAlive(dev),
  };
  if (system === "weir" && answer.id !== undefined) {
    // The result read back as a user would: the run's state and its task runs.
    const got = await request(dev.direct, "GET", `/api/runs/${answer.id}`, undefined, timeoutMs);
    const run = JSON.parse(got.body) as {
      state?: { type?: string };
      result?: unknown;
      taskRuns?: unknown[];
    };
    result.api = {
      status: got.status,
      bytes: got.body.length,
      state: run.state?.type,
      result: run.result,
      taskRuns: run.taskRuns?.length,
    };
  }
  log(`${system} ${STEPS} steps: ${JSON.stringify(result).slice(0, 600)}`);
  return result;
}

// ——— 2. Many runs ———

interface Load {
  done: number;
  errors: number;
  reasons: Record<string, number>;
  latencies: number[];
  seconds: number;
  stoppedBecause?: string;
  /** When the first error came: seconds into the load, and runs done by then. */
  firstError?: { atSeconds: number; done: number };
}

/**
 * `total` calls of `unit`, `CONCURRENCY` in flight. Stops early at the first timeout, after
 * `maxErrors` errors, or when nothing finished for `stallMs`.
 */
async function load(
  total: number,
  unit: () => Promise<void>,
  stallMs: number,
  maxErrors: number,
): Promise<Load> {
  const result: Load = { done: 0, errors: 0, reasons: {}, latencies: [], seconds: 0 };
  let next = 0;
  let lastProgress = Date.now();
  let stopped = () => {};
  const stop = (why: string) => {
    result.stoppedBecause ??= why;
    stopped();
  };
  const started = performance.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > stallMs) stop(`no answer for ${stallMs} ms`);
  }, 500);
  const lane = async () => {
    while (next < total && result.stoppedBecause === undefined) {
      next++;
      const t = performance.now();
      try {
        await unit();
        result.done++;
        result.latencies.push(performance.now() - t);
      } catch (error) {
        const reason = errorText(error);
        result.errors++;
        result.firstError ??= {
          atSeconds: round((performance.now() - started) / 1000),
          done: result.done,
        };
        result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
        if (/no answer in time/.test(reason)) stop(reason);
        if (result.errors >= maxErrors) stop(`${maxErrors} errors`);
      }
      lastProgress = Date.now();
      if ((result.done + result.errors) % 1000 === 0) log(`  ${result.done} done`);
    }
  };
  // A stalled lane is abandoned (its request times out later): wait for the lanes or the stop.
  await Promise.race([
    Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, lane)),
    new Promise<void>((r) => {
      stopped = r;
    }),
  ]);
  clearInterval(watchdog);
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function summary(l: Load, total: number) {
  return {
    requested: total,
    done: l.done,
    errors: l.errors,
    reasons: { ...l.reasons }, // a copy: requests in flight when it stopped still end
    stoppedBecause: l.stoppedBecause,
    firstError: l.firstError,
    seconds: round(l.seconds, 2),
    perSecond: round(l.done / l.seconds),
    p50Ms: round(median(l.latencies), 2),
    p99Ms: round(percentile(l.latencies, 99), 2),
  };
}

/** Every run of the bench-seq flow in the D1 index: id → state type (50 pages of 200). */
async function indexed(base: string): Promise<Map<string, string>> {
  const runs = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const got = await get(base, `/api/runs?flow=bench-seq&limit=200${query}`);
    if (got.status !== 200) throw new Error(`GET /api/runs: ${got.status} ${got.body}`);
    const page = JSON.parse(got.body) as {
      runs: { id: string; state: { type: string } }[];
      nextCursor: string | null;
    };
    for (const run of page.runs) runs.set(run.id, run.state.type);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return runs;
}

/** Waits (up to 60 s) until every acknowledged run is in the index in a final state. */
async function checkIndex(base: string, ids: readonly string[]) {
  const started = performance.now();
  let missing = ids.length;
  let notFinal = 0;
  let states: Record<string, number> = {};
  let indexStates: Record<string, number> = {};
  for (let tries = 0; tries < 30; tries++) {
    const runs = await indexed(base);
    indexStates = {};
    for (const state of runs.values()) indexStates[state] = (indexStates[state] ?? 0) + 1;
    missing = 0;
    notFinal = 0;
    states = {};
    for (const id of ids) {
      const state = runs.get(id);
      if (state === undefined) missing++;
      else {
        states[state] = (states[state] ?? 0) + 1;
        if (!FINAL.has(state)) notFinal++;
      }
    }
    if (missing === 0 && notFinal === 0) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 100)) === 0);
  const sampleStates: Record<string, number> = {};
  for (const id of sample) {
    const got = await get(base, `/api/runs/${id}`);
    const type =
      got.status === 200
        ? ((JSON.parse(got.body) as { state?: { type?: string } }).state?.type ?? "none")
        : `HTTP ${got.status}`;
    sampleStates[type] = (sampleStates[type] ?? 0) + 1;
  }
  const result = {
    acknowledged: ids.length,
    indexStates,
    listed: ids.length - missing,
    missing,
    notFinal,
    states,
    sampled: sample.length,
    sampleStates,
    secondsToCheck: round((performance.now() - started) / 1000, 1),
  };
  log(`index: ${JSON.stringify(result)}`);
  return result;
}

async function weirRuns(dev: Dev, ids: string[]) {
  const create = async () => {
    const got = await request(
      dev.direct,
      "POST",
      "/api/flows/bench-seq/runs",
      { parameters: { n: 1 } },
      30_000,
    );
    if (got.status !== 201) throw new Error(`create: ${got.status} ${got.body.slice(0, 200)}`);
    ids.push((JSON.parse(got.body) as { id: string }).id);
  };
  const started = performance.now();
  const created = summary(await load(RUNS, create, 30_000, RUNS), RUNS);
  log(`weir creates: ${JSON.stringify(created)}`);
  const alive = await workerdAlive(dev);
  const index = alive ? await checkIndex(dev.direct, ids) : undefined;
  const allFinalSeconds = (performance.now() - started) / 1000;
  return {
    created,
    index,
    workerdAlive: alive,
    memory: await memory(dev),
    ...(index === undefined ? {} : { finalRunsPerSecond: round(RUNS / allFinalSeconds) }),
  };
}

async function workflowRuns(dev: Dev) {
  const run = async () => {
    const got = await request(
      dev.direct,
      "POST",
      "/bench/wf/run?shape=seq&n=1&poll=5",
      undefined,
      60_000,
    );
    const body = JSON.parse(got.body) as { state?: string; error?: unknown };
    if (got.status !== 200 || body.state !== "complete") {
      throw new Error(`${got.status} ${got.body.slice(0, 200)}`);
    }
  };
  const result = summary(await load(WF_RUNS, run, 60_000, 50), WF_RUNS);
  const out = { ...result, workerdAlive: await workerdAlive(dev), memory: await memory(dev) };
  log(`workflows instances: ${JSON.stringify(out)}`);
  return out;
}

// ——— Main ———

const startedAt = new Date();
const stateBase = option("tmpdir", os.tmpdir());
const dir = await mkdtemp(join(stateBase, "weir-scale-"));
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: round(os.totalmem() / 2 ** 30),
  node: process.version,
  stateDirectory: dir,
  loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
};
log(`weir scale test: ${JSON.stringify(machine)}`);
let dev: Dev | undefined;
process.on("SIGINT", () => {
  if (dev !== undefined) stop(dev.proc);
  process.exit(130);
});
const bundled = await prepare(dir);
const boot = async () => {
  const started = performance.now();
  const server = await startDev(dir, bundled, false, PORT, false);
  log(`wrangler dev ready in ${round((performance.now() - started) / 1000)} s: ${server.direct}`);
  return server;
};
const report: Record<string, unknown> = {
  date: startedAt.toISOString(),
  command: `node --import tsx bench/worker/scale.ts ${args.join(" ")}`.trim(),
  machine,
};
try {
  dev = await boot();
  // Warm up both systems' paths.
  await request(dev.direct, "POST", "/bench/weir/run?shape=seq&n=10");
  await request(dev.direct, "POST", "/bench/wf/run?shape=seq&n=10&poll=5");

  const weirLong = await longRun(dev, "weir", 300_000);
  report.weirLongRun = weirLong;
  if (weirLong.state !== "COMPLETED") weirFailures++;

  await settle(dev);
  const ids: string[] = [];
  const weirMany = await weirRuns(dev, ids);
  report.weirRuns = weirMany;
  const intact = weirMany.index?.missing === 0 && weirMany.index.notFinal === 0;
  if (!intact || weirMany.created.errors > 0) weirFailures++;

  if (!weirMany.workerdAlive || !weirLong.workerdAlive || flag("restart")) {
    // Whatever was acknowledged must still be there, complete, on the next server.
    await stopAndWait(dev);
    dev = await boot();
    report.afterRestart = await checkIndex(dev.direct, ids);
  }

  if (!flag("skip-workflows")) {
    await settle(dev);
    report.workflowsLongRun = await longRun(dev, "wf", 180_000);
    if (!(await workerdAlive(dev))) {
      await stopAndWait(dev);
      dev = await boot();
    }
    await settle(dev);
    report.workflowsRuns = await workflowRuns(dev);
  }
} catch (error) {
  weirFailures++;
  report.error = errorText(error);
  console.error(error);
} finally {
  if (dev !== undefined) await stopAndWait(dev);
  agent.destroy();
}
report.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
report.totalSeconds = round((Date.now() - startedAt.getTime()) / 1000);
report.weirFailures = weirFailures;
await mkdir(dirname(resolve(root, OUT)), { recursive: true });
await writeFile(resolve(root, OUT), `${JSON.stringify(report, null, 2)}\n`);
log(`wrote ${OUT} (${report.totalSeconds} s)`);
if (!flag("keep") && weirFailures === 0) await rm(dir, { recursive: true, force: true });
else console.error(`kept ${dir} (wrangler.log inside)`);
process.exit(weirFailures > 0 ? 1 : 0);
