/**
 * The concurrency-limit benchmark (issue 10): `node --import tsx bench/worker/limits.ts`
 * (`npm run bench:limits`, about 2 minutes).
 *
 * One `wrangler dev` of the bench Worker (`bench_app.ts`, routes in `limits_app.ts`) on fresh
 * state, without its DevTools inspector, requests straight to workerd's socket, and in it:
 *
 * 1. **Hand-off latency.** A tag limit of 1 (`bench-handoff`, created over the API) held by the
 *    bench; `--handoff-runs` runs of a one-task flow whose task carries that tag queue for it;
 *    the bench lets go, and the runs take the slot one after another. Each task returns
 *    Date.now() at its start and end (all objects live in the one workerd process, so their
 *    clocks agree); a hand-off is the next task's start minus the previous task's end, `--rounds`
 *    times. The floor measured alongside: a relay through bare SQLite objects, holder → limit →
 *    waiter, one row written at each (the least a limit held in its own object needs), and one
 *    round trip between two objects.
 * 2. **Acquire/release pairs per second** through one limit object, from a Worker route with K
 *    callers at once, against the same number of calls to one bare object writing one row each
 *    (and a bare RPC), interleaved.
 * 3. **What a limit adds to a 1-step run**: 1-step runs per second over HTTP (one request runs
 *    one run to its end, `--concurrency` in flight) of a flow whose task's tag is an active limit
 *    of 1,000 (nobody waits) against the same flow whose tag is no limit, and of a flow whose
 *    runs take a slot of their flow's limit (`concurrency: { limit: 1000 }`) against an untagged
 *    1-step flow, interleaved over `--run-rounds`.
 *
 * Results go to stdout and, as Markdown, to `--md /tmp/bench_limits.md`; every sample to
 * `--out bench/results/limits-latest.json`. Speed is measured, never asserted: the exit code
 * says only whether every run completed.
 *
 * Options: `--handoff-runs 100`, `--rounds 5`, `--pairs 2000`, `--runs 300`, `--run-rounds 2`,
 * `--concurrency 32`, `--port 8797`, `--md FILE`, `--out FILE`, `--keep`.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { median, percentile } from "../stats.ts";
import { type Dev, prepare, root, settle, startDev, stopAndWait } from "./dev_server.ts";
import { agent } from "./http.ts";
import { cpuTicks, handoffRound, post, type Round } from "./limits_handoff.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const HANDOFF_RUNS = Number(option("handoff-runs", "100"));
const ROUNDS = Number(option("rounds", "5"));
const PAIRS = Number(option("pairs", "2000"));
const RUNS = Number(option("runs", "150"));
const RUN_ROUNDS = Number(option("run-rounds", "6"));
const CONCURRENCY = Number(option("concurrency", "32"));
const PORT = Number(option("port", "8797"));
const MD = option("md", "/tmp/bench_limits.md");
const OUT = option("out", "bench/results/limits-latest.json");
const KEEP = args.includes("--keep");
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
let failures = 0;

interface Rate {
  readonly name: string;
  readonly perSecond: number;
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** workerd's CPU per run (10 ms ticks over the whole load ÷ runs). */
  readonly cpuMsPerRun: number;
}

/** `total` one-run requests, CONCURRENCY in flight. */
async function load(dev: Dev, flow: string, total: number): Promise<Rate> {
  let next = 0;
  const latencies: number[] = [];
  const ticks = await cpuTicks(dev);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        try {
          const { state } = (await post(dev, `/bench/limits/run?flow=${flow}`)) as {
            state: string;
          };
          if (state !== "COMPLETED") throw new Error(`run ended ${state}`);
        } catch (error) {
          failures++;
          console.error(`${flow}: ${String(error).slice(0, 300)}`);
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuMsPerRun = (((await cpuTicks(dev)) - ticks) * 10) / total;
  return {
    cpuMsPerRun,
    name: flow,
    perSecond: total / seconds,
    runs: total,
    p50Ms: median(latencies),
    p99Ms: percentile(latencies, 99),
  };
}

/** Pairs per second, and workerd's CPU per pair in µs (10 ms ticks over the request). */
async function pairsPerSecond(
  dev: Dev,
  target: string,
  k: number,
): Promise<{ perSecond: number; cpuUs: number }> {
  const ticks = await cpuTicks(dev);
  const { pairs, ms } = (await post(
    dev,
    `/bench/limits/pairs?target=${target}&k=${k}&n=${PAIRS}`,
  )) as { pairs: number; ms: number };
  const cpuUs = (((await cpuTicks(dev)) - ticks) * 10_000) / pairs;
  return { perSecond: pairs / (ms / 1000), cpuUs };
}

const LANES = [1, CONCURRENCY];
const TARGETS = ["limit", "sql", "view", "floor", "ping"] as const;
const FLOWS = ["plain", "limited", "untagged", "slot"] as const;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const base = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const dir = await mkdtemp(join(base, "weir-bench-limits-"));
  const loadAtStart = os.loadavg().map((x) => fmt(x, 2));
  log(`bundling into ${dir}, starting wrangler dev without its inspector`);
  const dev = await startDev(dir, await prepare(dir), false, PORT, false);
  try {
    log(`ready: ${dev.direct}`);
    for (const name of ["bench-handoff", "bench-limited"]) {
      await post(dev, "/api/concurrency-limits", {
        name,
        limit: name === "bench-handoff" ? 1 : 1000,
      });
    }
    // Warm every route, and let the catalogue's per-isolate memory (1 s) see the new limits.
    for (const flow of FLOWS) await load(dev, flow, 64);
    for (const target of TARGETS) await pairsPerSecond(dev, target, CONCURRENCY);
    await post(dev, "/bench/limits/floor?n=50");
    await handoffRound(dev, HANDOFF_RUNS, () => failures++);
    failures = 0;

    log("hand-off");
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      rounds.push(await handoffRound(dev, HANDOFF_RUNS, () => failures++));
      const g = rounds.at(-1)?.gapsMs ?? [];
      log(`  round ${r + 1}: p50 ${median(g)} ms, p99 ${percentile(g, 99)} ms`);
    }
    const floor = (await post(dev, "/bench/limits/floor?n=300")) as {
      relayMs: number[];
      rttMs: number[];
    };

    log("acquire/release pairs");
    const pairs: Record<string, number[]> = {};
    const pairCpu: Record<string, number[]> = {};
    for (let rep = 0; rep < 3; rep++) {
      for (const k of LANES) {
        for (const target of TARGETS) {
          const key = `${target}/${k}`;
          const { perSecond, cpuUs } = await pairsPerSecond(dev, target, k);
          pairs[key] = [...(pairs[key] ?? []), perSecond];
          pairCpu[key] = [...(pairCpu[key] ?? []), cpuUs];
        }
      }
    }

    log("1-step runs per second");
    await settle(dev);
    const rates: Record<string, Rate[]> = {};
    for (let r = 0; r < RUN_ROUNDS; r++) {
      // Each flow first, second, third and last in turn, so drift favours none.
      const order = FLOWS.map((_, i) => FLOWS[(i + r) % FLOWS.length] as string);
      for (const flow of r % 2 === 0 ? order : order.reverse()) {
        const rate = await load(dev, flow, RUNS);
        rates[flow] = [...(rates[flow] ?? []), rate];
      }
      log(
        `  round ${r + 1}: ${FLOWS.map((f) => `${f} ${fmt(rates[f]?.at(-1)?.perSecond ?? 0, 0)}/s`).join(", ")}`,
      );
      // Until workerd has let the round's objects go (see settle).
      await settle(dev);
    }

    const gaps = rounds.flatMap((r) => r.gapsMs);
    // Rounds in which workerd was on a CPU for nearly the whole chain: on a shared machine the
    // others waited for one, and their wait shows up as a few long hand-offs.
    const onCpu = rounds.filter((r) => r.cpuMs >= 0.9 * r.chainMs);
    const onCpuGaps = onCpu.flatMap((r) => r.gapsMs);
    const busy = (r: Round) => `${fmt((100 * r.cpuMs) / r.chainMs, 0)}%`;
    const toRunning = rounds.flatMap((r) => r.toRunningMs);
    const runningToStart = rounds.flatMap((r) => r.runningToStartMs);
    const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const relayMean = mean(floor.relayMs);
    const rttMean = mean(floor.rttMs);
    const handoffP50 = percentile(gaps, 50);
    const handoffP99 = percentile(gaps, 99);
    const pairRate = (key: string) => median(pairs[key] ?? []);
    const cpu = (key: string) => fmt(median(pairCpu[key] ?? []), 0);
    const runRate = (flow: string) => {
      const rs = rates[flow] ?? [];
      return rs.reduce((a, r) => a + r.runs, 0) / rs.reduce((a, r) => a + r.runs / r.perSecond, 0);
    };
    const runCpu = (flow: string) => mean((rates[flow] ?? []).map((r) => r.cpuMsPerRun));
    /** Per round, this flow's rate ÷ its baseline's: median (min–max). */
    const roundRatios = (flow: string, baseline: string) => {
      const ratios = (rates[flow] ?? []).map(
        (r, i) => r.perSecond / (rates[baseline]?.[i]?.perSecond ?? Number.NaN),
      );
      return `${fmt(median(ratios), 2)}× (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`;
    };
    const runRow = (label: string, flow: string, baseline?: string) =>
      `| ${label} | ${fmt(runRate(flow), 0)} | ${baseline === undefined ? "1.00×" : `${fmt(runRate(flow) / runRate(baseline), 2)}×`} | ${baseline === undefined ? "" : roundRatios(flow, baseline)} | ${fmt(runCpu(flow), 2)} | ${baseline === undefined ? "" : `${fmt(runCpu(flow) - runCpu(baseline), 2)}`} |`;
    const chainCpu = rounds.reduce((a, r) => a + r.cpuMs, 0);
    const chainWall = rounds.reduce((a, r) => a + r.chainMs, 0);
    const command = `node --import tsx bench/worker/limits.ts ${args.join(" ")}`.trim();
    const md = [
      `Command: \`${command}\` (\`npm run bench:limits\`), ${new Date(startedAt).toISOString()}, ${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length}, Node ${process.version}, load average at start ${loadAtStart.join(" / ")}, at end ${os
        .loadavg()
        .map((x) => fmt(x, 2))
        .join(" / ")}; one \`wrangler dev\` without its inspector, requests straight to workerd.`,
      "",
      `**Hand-off** (${ROUNDS} rounds of ${HANDOFF_RUNS} runs queued on a tag limit of 1; ${gaps.length} hand-offs, each the next task's start minus the previous task's end):`,
      "",
      "| | p50 ms | p99 ms | max ms | mean ms |",
      "| --- | ---: | ---: | ---: | ---: |",
      `| hand-off: previous task's end → next task's start | ${handoffP50} | ${handoffP99} | ${Math.max(...gaps)} | ${fmt(mean(gaps), 2)} |`,
      `| of which: → the next task step's Running state (release, grant RPC, wake, replay, acquire) | ${percentile(toRunning, 50)} | ${percentile(toRunning, 99)} | ${Math.max(...toRunning)} | ${fmt(mean(toRunning), 2)} |`,
      `| of which: Running state → the task's start | ${percentile(runningToStart, 50)} | ${percentile(runningToStart, 99)} | ${Math.max(...runningToStart)} | ${fmt(mean(runningToStart), 2)} |`,
      onCpu.length === 0
        ? "| the same, in rounds where workerd was on a CPU ≥ 90% of the chain | none | | | |"
        : `| the same, in the ${onCpu.length} rounds where workerd was on a CPU ≥ 90% of the chain (${onCpuGaps.length} hand-offs) | ${percentile(onCpuGaps, 50)} | ${percentile(onCpuGaps, 99)} | ${Math.max(...onCpuGaps)} | ${fmt(mean(onCpuGaps), 2)} |`,
      `| first hand-off of a round: the bench's release → first task's start | ${median(rounds.map((r) => r.firstMs))} (median of ${ROUNDS}) | | ${Math.max(...rounds.map((r) => r.firstMs))} | |`,
      `| floor: relay holder → limit → waiter, bare SQLite objects, one row each (${floor.relayMs.length} samples) | ${percentile(floor.relayMs, 50)} | ${percentile(floor.relayMs, 99)} | ${Math.max(...floor.relayMs)} | ${fmt(relayMean, 3)} |`,
      `| floor: one object → object round trip, one row written | ${percentile(floor.rttMs, 50)} | ${percentile(floor.rttMs, 99)} | ${Math.max(...floor.rttMs)} | ${fmt(rttMean, 3)} |`,
      "",
      `Hand-off ÷ floor (means): ${fmt(mean(gaps) / relayMean, 1)}× the relay. Goal p50 under 10 ms: ${handoffP50 < 10 ? "met" : "not met"}; p99 ${handoffP99 < 10 ? "also under" : "not under"} 10 ms. workerd's CPU over the chains (the bench's release → the line empty): ${fmt(chainCpu, 0)} ms for ${fmt(chainWall, 0)} ms of chain (${fmt((100 * chainCpu) / chainWall, 0)}% busy), ${fmt(chainCpu / (ROUNDS * HANDOFF_RUNS), 2)} ms per queued run granted, executed and finished. Per round: ${rounds.map((r) => `${busy(r)} busy, p99 ${percentile(r.gapsMs, 99)} ms, ${fmt(r.chainMs - r.cpuMs, 0)} ms off CPU, ${r.gapsMs.filter((g) => g > 5).reduce((a, g) => a + g, 0)} ms in hand-offs over 5 ms`).join("; ")}.`,
      "",
      `**Acquire/release pairs per second** through one limit object (${PAIRS} pairs from a Worker route, K callers at once; median of 3, interleaved), against the same number of calls to one bare SQLite object (two calls per pair):`,
      "",
      "| K callers | limit: pairs/s | floor: 2 one-row writes/pair, pairs/s | limit ÷ floor | bare RPC: 2 no-op calls/pair, pairs/s | limit ÷ bare RPC | 2 view() calls of the limit/pair, pairs/s | 2 calls/pair running the limit's SQL without its book, pairs/s |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      ...LANES.map((k) => {
        const limit = pairRate(`limit/${k}`);
        const floorRate = pairRate(`floor/${k}`);
        const ping = pairRate(`ping/${k}`);
        return `| ${k} | ${fmt(limit, 0)} | ${fmt(floorRate, 0)} | ${fmt(limit / floorRate, 2)}× | ${fmt(ping, 0)} | ${fmt(limit / ping, 2)}× | ${fmt(pairRate(`view/${k}`), 0)} | ${fmt(pairRate(`sql/${k}`), 0)} |`;
      }),
      "",
      "workerd CPU per pair, µs (median of 3; 10 ms ticks over each request):",
      "",
      "| K callers | limit | limit's SQL without its book | 2 one-row writes | 2 view() calls | bare RPC |",
      "| ---: | ---: | ---: | ---: | ---: | ---: |",
      ...LANES.map(
        (k) =>
          `| ${k} | ${cpu(`limit/${k}`)} | ${cpu(`sql/${k}`)} | ${cpu(`floor/${k}`)} | ${cpu(`view/${k}`)} | ${cpu(`ping/${k}`)} |`,
      ),
      "",
      `**1-step runs per second over HTTP** (${RUN_ROUNDS} interleaved rounds of ${RUNS} runs per flow, ${CONCURRENCY} in flight; one request creates a run and answers when it has completed):`,
      "",
      "| flow | runs/s (all rounds) | vs its baseline | per round: median (min–max) | workerd CPU ms per run | CPU added, ms per run |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      runRow("task tagged with a tag that is no limit (baseline)", "plain"),
      runRow(
        "task tagged with an active limit of 1,000 (one acquire + one release)",
        "limited",
        "plain",
      ),
      runRow("untagged task (baseline)", "untagged"),
      runRow("flow with `concurrency: { limit: 1000 }` (a run slot)", "slot", "untagged"),
      "",
    ].join("\n");
    console.log(`\n${md}`);
    await writeFile(MD, md);
    const out = resolve(root, OUT);
    await mkdir(dirname(out), { recursive: true });
    const report = {
      command,
      date: new Date(startedAt).toISOString(),
      rounds,
      floor,
      pairs,
      pairCpu,
      rates,
    };
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${MD} and ${OUT} (${fmt((Date.now() - startedAt) / 1000, 0)} s)`);
  } finally {
    await stopAndWait(dev);
    agent.destroy();
    if (!KEEP && failures === 0) await rm(dir, { recursive: true, force: true });
    else console.error(`kept ${dir} (wrangler.log inside)`);
  }
}

await main();
if (failures > 0) {
  console.error(`${failures} run(s) did not complete`);
  process.exitCode = 1;
}
