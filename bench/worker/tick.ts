/**
 * The scheduler benchmark (issue 9): `node --import tsx bench/worker/tick.ts` (`npm run
 * bench:tick`, about 5 minutes).
 *
 * For each of 0 (the baseline), 1,000 and 10,000 idle deployments (each with an active hourly
 * schedule whose runs are already created, so it is not due), one `wrangler dev` of the bench
 * Worker on fresh state, where:
 *
 * 1. **Due ticks.** `--rounds` times, a group of 100 schedules falls due (each an hourly
 *    schedule in its steady state: its runs are created up to the second next hour, so the
 *    tick creates one run each, the third), then one tick (POST /api/scheduler/tick) creates
 *    their runs. Measured: the workerd processes' CPU time over the tick request (utime +
 *    stime from /proc, 10 ms ticks; the run objects the tick creates run in the same process,
 *    so their creation is counted), its wall time, and runs created per second of wall time.
 *    The floor of that cost, creating 100 scheduled runs over the API, is measured alongside.
 * 2. **Idle ticks.** Ticks with nothing due, 50 at a time: what every minute costs when
 *    nothing changes.
 * 3. **Start latency** (the largest size only). 200 runs created over the API scheduled
 *    3–5 s ahead; for each, its Running state's time minus its scheduled time.
 *
 * Each size is compared with the baseline (0 idle deployments) measured in the same run: a
 * ratio near 1 means the tick's cost does not grow with idle deployments. Results go to stdout
 * and, as Markdown, to `--md /tmp/bench_tick.md`.
 *
 * Options: `--rounds 5`, `--idle-ticks 50`, `--round-ms 6000`, `--lead-ms 40000`, `--sizes 0,1000,10000`, `--port 8795`,
 * `--latency-runs 200`, `--md FILE`, `--keep` (keep the state directories).
 *
 * @module
 */

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import { median, percentile } from "../stats.ts";
import { type Dev, prepare, startDev, stopAndWait, workerdPids, wranglerOk } from "./dev_server.ts";
import { agent, request } from "./http.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const ROUNDS = Number(option("rounds", "5"));
const IDLE_TICKS = Number(option("idle-ticks", "50"));
const ROUND_MS = Number(option("round-ms", "6000"));
const START_LEAD_MS = Number(option("lead-ms", "40000"));
const SIZES = option("sizes", "0,1000,10000").split(",").map(Number);
const PORT = Number(option("port", "8795"));
const LATENCY_RUNS = Number(option("latency-runs", "200"));
const MD = option("md", "/tmp/bench_tick.md");
const KEEP = args.includes("--keep");
const DUE_PER_ROUND = 100;
const TICK_MS = 10;
const HOUR = 3_600_000;
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** CPU ticks (user + system) of the server's workerd processes. */
async function cpuTicks(dev: Dev): Promise<number> {
  let total = 0;
  for (const pid of await workerdPids(dev.proc.pid ?? -1)) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return total;
}

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** A deployment and its one schedule's id (the API takes UUIDs). */
interface Seeded {
  readonly id: string;
  readonly scheduleId: string;
}

/**
 * The state's deployments: `idle` ones already scheduled two hours ahead (due in an hour), and
 * groups of 100 in the steady state of an hourly schedule (runs created up to the second next
 * hour, so a tick creates one run each), group `r` due at `dueAt[r]`.
 */
function seedSql(
  idle: number,
  groups: readonly (readonly Seeded[])[],
  dueAt: readonly number[],
  now: number,
): string {
  const lines: string[] = [];
  const add = ({ id, scheduleId }: Seeded, until: number, due: number) => {
    lines.push(
      `INSERT INTO deployments (id, flow_name, name, tags, parameters, paused, catch_up, source, created_at, updated_at) VALUES (${sql(id)}, 'bench-seq', ${sql(id)}, '[]', '{"n":1}', 0, 'skip', 'api', ${now}, ${now});`,
      `INSERT INTO deployment_schedules (id, deployment_id, position, spec, active, scheduled_until, due_at, created_at, updated_at) VALUES (${sql(scheduleId)}, ${sql(id)}, 0, '{"interval":3600}', 1, ${until}, ${due}, ${now}, ${now});`,
    );
  };
  const nextHour = Math.ceil(now / HOUR) * HOUR;
  for (let i = 0; i < idle; i++) add(seeded(), nextHour + 2 * HOUR, nextHour);
  groups.forEach((group, r) => {
    for (const d of group) add(d, nextHour + HOUR, dueAt[r] as number);
  });
  return lines.join("\n");
}

function seeded(): Seeded {
  return { id: crypto.randomUUID(), scheduleId: crypto.randomUUID() };
}

interface TickAnswer {
  schedulesDue: number;
  runsCreated: number;
  problems: unknown[];
}

async function tick(dev: Dev): Promise<{ cpuMs: number; wallMs: number; answer: TickAnswer }> {
  const before = await cpuTicks(dev);
  const started = performance.now();
  const res = await request(dev.direct, "POST", "/api/scheduler/tick");
  const wallMs = performance.now() - started;
  const cpuMs = ((await cpuTicks(dev)) - before) * TICK_MS;
  if (res.status !== 200) throw new Error(`tick answered ${res.status}: ${res.body}`);
  return { cpuMs, wallMs, answer: JSON.parse(res.body) as TickAnswer };
}

async function inParallel<T>(items: readonly T[], n: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

interface SizeResult {
  idle: number;
  dueCpuMs: number[];
  dueWallMs: number[];
  runsPerSecond: number[];
  runsPerTick: number[];
  idleCpuMs: number[];
  /** CPU per run of creating 100 runs scheduled an hour ahead over the API, 16 at once. */
  createCpuMs?: number;
  latencyMs?: number[];
}

/** The floor of a tick's cost per run: creating scheduled runs over the API, CPU per run. */
async function createCost(dev: Dev): Promise<number> {
  const before = await cpuTicks(dev);
  await inParallel(
    Array.from({ length: DUE_PER_ROUND }, (_, i) => i),
    16,
    async () => {
      const res = await request(dev.direct, "POST", "/api/flows/bench-seq/runs", {
        parameters: { n: 1 },
        scheduledAt: Date.now() + HOUR,
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.body}`);
    },
  );
  return (((await cpuTicks(dev)) - before) * TICK_MS) / DUE_PER_ROUND;
}

async function measure(idle: number, latency: boolean): Promise<SizeResult> {
  const dir = await mkdtemp(join(os.tmpdir(), "weir-bench-tick-"));
  try {
    const bundled = await prepare(dir);
    const now = Date.now();
    const groups = Array.from({ length: ROUNDS }, () =>
      Array.from({ length: DUE_PER_ROUND }, seeded),
    );
    // Due once the server is up (seeding and starting take some seconds), one group a round.
    const dueAt = groups.map((_, r) => now + START_LEAD_MS + r * ROUND_MS);
    await writeFile(join(dir, "seed.sql"), seedSql(idle, groups, dueAt, now));
    await wranglerOk(
      [
        "d1",
        "execute",
        "DB",
        "--local",
        "-c",
        bundled,
        "--persist-to",
        "state",
        "--file",
        "seed.sql",
        "--yes",
      ],
      dir,
    );
    log(`${idle} idle deployments seeded; starting wrangler dev`);
    const dev = await startDev(dir, bundled, false, PORT, false);
    try {
      // Warm up (code deployments applied, isolate compiled) with an idle tick.
      await tick(dev);
      const result: SizeResult = {
        idle,
        dueCpuMs: [],
        dueWallMs: [],
        runsPerSecond: [],
        runsPerTick: [],
        idleCpuMs: [],
      };
      for (let r = 0; r < ROUNDS; r++) {
        const wait = (dueAt[r] as number) + 50 - Date.now();
        if (wait < 0 && r === 0) log("warning: the first group was due before the server was up");
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
        const { cpuMs, wallMs, answer } = await tick(dev);
        if (answer.problems.length > 0)
          throw new Error(`tick problems: ${JSON.stringify(answer.problems)}`);
        result.dueCpuMs.push(cpuMs);
        result.dueWallMs.push(wallMs);
        result.runsPerTick.push(answer.runsCreated);
        result.runsPerSecond.push(answer.runsCreated / (wallMs / 1000));
        log(
          `${idle} idle, round ${r + 1}: ${answer.schedulesDue} due, ${answer.runsCreated} runs, ${cpuMs} ms CPU, ${wallMs.toFixed(0)} ms wall`,
        );
        await new Promise((r) => setTimeout(r, 300));
      }
      // Idle ticks back to back, measured together: one is below the 10 ms resolution.
      for (let i = 0; i < 3; i++) {
        const before = await cpuTicks(dev);
        for (let j = 0; j < IDLE_TICKS; j++) {
          const { answer } = await tick(dev);
          if (answer.schedulesDue !== 0)
            throw new Error(`an idle tick found ${answer.schedulesDue} due`);
        }
        result.idleCpuMs.push((((await cpuTicks(dev)) - before) * TICK_MS) / IDLE_TICKS);
      }
      result.createCpuMs = await createCost(dev);
      if (latency) result.latencyMs = await startLatency(dev);
      return result;
    } finally {
      await stopAndWait(dev);
    }
  } finally {
    if (!KEEP) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs scheduled 3–5 s ahead: their Running state's time minus their scheduled time. */
async function startLatency(dev: Dev): Promise<number[]> {
  const base = Date.now() + 3_000;
  const runs: { id: string; at: number }[] = [];
  await inParallel(
    Array.from({ length: LATENCY_RUNS }, (_, i) => i),
    16,
    async (i) => {
      const at = base + Math.round((i * 2_000) / LATENCY_RUNS);
      const res = await request(dev.direct, "POST", "/api/flows/bench-seq/runs", {
        parameters: { n: 1 },
        scheduledAt: at,
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${res.body}`);
      runs.push({ id: (JSON.parse(res.body) as { id: string }).id, at });
    },
  );
  if (Date.now() > base) log("warning: creating the latency runs took longer than their lead");
  await new Promise((r) => setTimeout(r, Math.max(0, base + 2_000 - Date.now()) + 2_000));
  const latencies: number[] = [];
  for (const run of runs) {
    for (let attempt = 0; ; attempt++) {
      const res = await request(dev.direct, "GET", `/api/runs/${run.id}`);
      const detail = JSON.parse(res.body) as {
        stateHistory: { type: string; timestamp: number }[];
        state: { type: string };
      };
      const running = detail.stateHistory.find((s) => s.type === "RUNNING");
      if (running !== undefined) {
        latencies.push(running.timestamp - run.at);
        break;
      }
      if (attempt > 50) throw new Error(`run ${run.id} never started (${detail.state.type})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return latencies;
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");

async function main(): Promise<void> {
  const results: SizeResult[] = [];
  const largest = Math.max(...SIZES);
  for (const idle of SIZES) results.push(await measure(idle, idle === largest));
  agent.destroy();
  const baseline = results.find((r) => r.idle === 0) ?? results[0];
  const baseDue = median(baseline?.dueCpuMs ?? []);
  const baseIdle = median(baseline?.idleCpuMs ?? []);
  const rows = results.map((r) => {
    const due = median(r.dueCpuMs);
    const idleCpu = median(r.idleCpuMs);
    const perRun = due / Math.max(1, median(r.runsPerTick));
    return `| ${r.idle.toLocaleString("en")} | ${fmt(due, 0)} (${fmt(Math.min(...r.dueCpuMs), 0)}–${fmt(Math.max(...r.dueCpuMs), 0)}) | ${fmt(due / baseDue, 2)}× | ${fmt(median(r.runsPerTick), 0)} | ${fmt(perRun, 2)} | ${fmt(r.createCpuMs ?? Number.NaN, 2)} | ${fmt(median(r.dueWallMs), 0)} | ${fmt(median(r.runsPerSecond), 0)} | ${fmt(idleCpu, 2)} | ${fmt(baseIdle === 0 ? Number.NaN : idleCpu / baseIdle, 2)}× |`;
  });
  const latency = results.find((r) => r.latencyMs !== undefined)?.latencyMs ?? [];
  const md = [
    "## Scheduler tick (issue 9)",
    "",
    `Command: \`npm run bench:tick\` (node --import tsx bench/worker/tick.ts; ${ROUNDS} rounds of ${DUE_PER_ROUND} due hourly schedules in their steady state, one new run each; ${IDLE_TICKS} × 3 idle ticks per size), ${new Date().toISOString()}, ${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length}.`,
    "",
    "CPU is the workerd processes' utime + stime over the tick request (10 ms resolution; idle ticks are measured 50 at a time), so it includes creating the runs' Durable Objects and their D1 index rows, which run in the same process: the floor column is that cost alone, per run, for runs created over the API. Ratios are against the baseline measured in the same run: the same ticks with 0 idle deployments.",
    "",
    "| idle deployments | CPU per tick with 100 due, ms median (min–max) | vs baseline | runs created per tick | tick CPU per run created, ms | floor: CPU per run created over the API, ms | tick wall ms | runs created/s | CPU per idle tick, ms | vs baseline |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    latency.length === 0
      ? ""
      : `Scheduled time → Running, ${latency.length} runs scheduled 3–5 s ahead (${largest.toLocaleString("en")} idle deployments): p50 ${fmt(percentile(latency, 50), 0)} ms, p99 ${fmt(percentile(latency, 99), 0)} ms, max ${fmt(Math.max(...latency), 0)} ms.`,
    "",
  ].join("\n");
  console.log(md);
  await writeFile(MD, md);
  log(`written to ${MD}`);
}

await main();
