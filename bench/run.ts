/**
 * The runtime benchmark: `npm run bench` (Node) or
 * `npx deno run -A --v8-flags=--expose-gc bench/run.ts` (Deno).
 *
 * Runs every scenario of `steps.bench.ts` once to warm up, then `--reps` times interleaved (so
 * a scenario and its baseline see the same machine state), and reports per scenario the median
 * and minimum time, steps per second, the overhead per step against its baseline measured in
 * the same run, and the ratio to that baseline. A full GC runs before each timed sample, outside
 * the timing, when the runtime allows it. Then, with a GC, it measures the heap a run in
 * progress holds per step. Speed is measured, never asserted: the exit code says only whether
 * every scenario computed the right result.
 *
 * Options: `--steps 10000`, `--reps 5`, `--warmup 1`, `--concurrency 100`,
 * `--out bench/results/latest.json` (under Deno the default is `latest-deno.json`).
 *
 * @module
 */

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { median } from "./stats.ts";
import { heldBytesPerStep, type Scenario, scenarios } from "./steps.bench.ts";

/** The per-step overhead the runtime aims to stay under, in microseconds. */
const GOAL_US_PER_STEP = 5;

interface Row {
  readonly name: string;
  readonly baseline: string | null;
  readonly steps: number;
  readonly samplesMs: number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly stepsPerSecond: number;
  /** (median − baseline median) / steps, in µs. */
  readonly overheadUsPerStep: number | null;
  /** (min − baseline min) / steps, in µs. */
  readonly overheadUsPerStepMin: number | null;
  /** median / baseline median. */
  readonly ratio: number | null;
}

const deno = (globalThis as { Deno?: { version: { deno: string; v8: string } } }).Deno;
const runtime = deno === undefined ? `node ${process.version}` : `deno ${deno.version.deno}`;

function option(name: string, fallback: number): number;
function option(name: string, fallback: string): string;
function option(name: string, fallback: number | string): number | string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  const raw = i === -1 ? undefined : args[i + 1];
  if (raw === undefined) return fallback;
  if (typeof fallback === "string") return raw;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`--${name} needs a whole number ≥ 1`);
  return value;
}

/**
 * A full garbage collection, when the runtime allows one: `globalThis.gc` (Deno with
 * `--v8-flags=--expose-gc`), or in Node the collector exposed at run time. Collecting before
 * each timed sample keeps one scenario's garbage from being charged to the next.
 */
async function collector(): Promise<(() => void) | undefined> {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined || deno !== undefined) return exposed;
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

async function time(scenario: Scenario, gc: (() => void) | undefined): Promise<number> {
  gc?.();
  const started = performance.now();
  await scenario.run();
  return performance.now() - started;
}

function cpuModel(): string {
  try {
    const cpus = os.cpus();
    return `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}`;
  } catch {
    return "unknown CPU";
  }
}

function fixed(value: number | null, digits: number): string {
  return value === null ? "—" : value.toFixed(digits);
}

/** The rows as a Markdown table, as pasted into docs/BENCHMARKS.md. */
function markdownTable(rows: readonly Row[]): string {
  const head = ["scenario", "median ms", "min ms", "steps/s", "overhead µs/step", "ratio ×"];
  const body = rows.map((row) => [
    row.name,
    fixed(row.medianMs, 1),
    fixed(row.minMs, 1),
    Math.round(row.stepsPerSecond).toLocaleString("en-US"),
    fixed(row.overheadUsPerStep, 2),
    fixed(row.ratio, 0),
  ]);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((cells) => cells[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const steps = option("steps", 10_000);
  const reps = option("reps", 5);
  const warmup = option("warmup", 1);
  const concurrency = option("concurrency", 100);
  const defaultOut = deno === undefined ? "results/latest.json" : "results/latest-deno.json";
  const out = option("out", fileURLToPath(new URL(defaultOut, import.meta.url)));
  const list = scenarios(steps, concurrency);
  const gc = await collector();

  console.log(`weir runtime benchmark: ${runtime}, ${cpuModel()}, ${os.platform()} ${os.arch()}`);
  console.log(
    `${steps} steps, ${warmup} warm-up + ${reps} timed repetitions, interleaved; ` +
      `${gc === undefined ? "no GC between samples" : "full GC before each sample"}\n`,
  );

  for (let w = 0; w < warmup; w++) for (const s of list) await s.run();
  const samples = new Map<string, number[]>(list.map((s) => [s.name, []]));
  for (let r = 0; r < reps; r++) {
    for (const s of list) samples.get(s.name)?.push(await time(s, gc));
  }

  const rows: Row[] = list.map((s) => {
    const own = samples.get(s.name) ?? [];
    const base = s.baseline === undefined ? undefined : samples.get(s.baseline);
    const medianMs = median(own);
    const minMs = Math.min(...own);
    const baseMedian = base === undefined ? undefined : median(base);
    const baseMin = base === undefined ? undefined : Math.min(...base);
    return {
      name: s.name,
      baseline: s.baseline ?? null,
      steps: s.steps,
      samplesMs: own.map((ms) => Number(ms.toFixed(3))),
      medianMs,
      minMs,
      stepsPerSecond: s.steps / (medianMs / 1000),
      overheadUsPerStep:
        baseMedian === undefined ? null : ((medianMs - baseMedian) * 1000) / s.steps,
      overheadUsPerStepMin: baseMin === undefined ? null : ((minMs - baseMin) * 1000) / s.steps,
      ratio: baseMedian === undefined ? null : medianMs / baseMedian,
    };
  });

  console.log(markdownTable(rows));

  // Memory held per step by a run in progress: deterministic, unlike the times above.
  let heldPerStep: number | null = null;
  if (gc !== undefined) {
    const held: number[] = [];
    for (let r = 0; r < 3; r++) {
      held.push(await heldBytesPerStep(steps, gc, () => process.memoryUsage().heapUsed));
    }
    heldPerStep = median(held);
    console.log(
      `\nHeap held per step while a ${steps}-step flow runs (InMemoryJournal): ${Math.round(heldPerStep)} bytes`,
    );
  }

  const main = rows.find((row) => row.name === "weir flow, InMemoryJournal");
  const overhead = main?.overheadUsPerStep ?? null;
  const met = overhead !== null && overhead < GOAL_US_PER_STEP;
  console.log(
    `\nGoal: < ${GOAL_US_PER_STEP} µs overhead per step (flow on InMemoryJournal). ` +
      `Measured: ${fixed(overhead, 2)} µs (median), ${fixed(main?.overheadUsPerStepMin ?? null, 2)} µs (min). ` +
      (met ? "Met." : "Not met."),
  );

  const report = {
    date: new Date().toISOString(),
    runtime,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: cpuModel(),
    steps,
    reps,
    warmup,
    concurrency,
    gcBetweenSamples: gc !== undefined,
    heldBytesPerStep: heldPerStep,
    goal: { overheadUsPerStep: GOAL_US_PER_STEP, scenario: main?.name ?? null, met },
    scenarios: rows,
  };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Wrote ${relative(process.cwd(), out)}`);
}

await main();
