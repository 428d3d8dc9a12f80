/**
 * The remote-run benchmark (issue 11's foundation): `node --import tsx bench/worker/remote.ts`
 * (`npm run bench:remote`, about 30 s).
 *
 * One `wrangler dev` of the bench Worker (`bench_app.ts`) on fresh state, without its DevTools
 * inspector, requests straight to workerd's socket. The same flow (`remote_flow.ts`: N
 * sequential trivial tasks), N = 100 and 1,000, three ways, interleaved, `--reps` times:
 *
 * 1. **In-Worker**: `POST /api/flows/bench-remote-seq/runs`, then the run's detail polled until
 *    it is final; timed by the detail's own `startedAt` → `endedAt` (Running → Completed, stamped
 *    by the run's object), which leaves HTTP out. Also, as a cross-check, the wall time of
 *    `/bench/weir/run` (the same steps as `bench-seq`, one request that answers at the run's end).
 * 2. **Remote**: `startOnServer` (what `runOnServer` does) against the same server, timed from the
 *    call to its result, with `ack: "buffered"` (the default) and, for N = 100, `ack: "stored"`;
 *    every request through a counting, timing fetch (`remote_fetch.ts`), to split the time into
 *    the start request, the execution, and the drain (last flush and lease release), and to see
 *    how much of it a request was in flight.
 * 3. **In-process**: `flow.run` with in-memory ports, as the reference.
 *
 * Results go to stdout and, as Markdown, to `--md /tmp/bench_remote.md`; every sample to
 * `--out bench/results/remote-latest.json`. Speed is measured, never asserted: the exit code
 * says only whether every run completed.
 *
 * Options: `--reps 3`, `--port 8798`, `--md FILE`, `--out FILE`, `--keep`. The buffered remote run
 * is also measured through wrangler's proxy (what a user's `wrangler dev` URL is).
 *
 * @module
 */

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { type AppendAck, startOnServer } from "../../hosts/remote/mod.ts";
import { median } from "../stats.ts";
import { type Dev, prepare, root, startDev, stopAndWait } from "./dev_server.ts";
import { agent, request } from "./http.ts";
import { cpuTicks } from "./limits_handoff.ts";
import { busyMs, busyWithin, type Sent, timedFetch } from "./remote_fetch.ts";
import { remoteSeq } from "./remote_flow.ts";
import {
  type AppendProbe,
  estimatePath,
  type PathEstimates,
  probeAppends,
  stepEntries,
} from "./remote_probe.ts";
import { fixed, table } from "./report.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const REPS = Number(option("reps", "3"));
const PORT = Number(option("port", "8798"));
const MD = option("md", "/tmp/bench_remote.md");
const OUT = option("out", "bench/results/remote-latest.json");
const KEEP = args.includes("--keep");
const SIZES = [100, 1000];
/** Entries per append in the server-side probe (0: empty appends, the fixed cost). */
const PROBE_K = [0, 2, 20, 200, 1000];
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
let failures = 0;

/** One timed run of a scenario. */
interface Sample {
  readonly ms: number;
  /** Remote runs: the phases and the requests. */
  readonly startMs?: number;
  readonly executeMs?: number;
  readonly drainMs?: number;
  /** Time with a request in flight, all of it and during the execution. */
  readonly httpBusyMs?: number;
  readonly httpBusyExecMs?: number;
  readonly appends?: number;
  readonly requests?: number;
  readonly appendEntries?: number;
  readonly appendLogs?: number;
  /** Sum of append request durations, and the appends themselves. */
  readonly appendMs?: number;
  readonly sent?: readonly Sent[];
  /** The run's own Running → final, from its detail (in-Worker and remote). */
  readonly detailMs?: number;
  /** In-Worker: the create call's wall time (it answers once a due run has run). */
  readonly postMs?: number;
  /** workerd's CPU over the sample, ms (10 ms ticks). */
  cpuMs?: number;
}

interface RunDetail {
  readonly state: { type: string } | null;
  readonly stateHistory: readonly { type: string; timestamp: number }[];
}

/** How often the in-Worker run's detail is read while it runs. */
const POLL_MS = 50;

const FINAL = new Set(["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]);

/** Running → the final state, from the run's state history (stamped where the run executed). */
function runningMs(run: RunDetail): number {
  const running = run.stateHistory.find((s) => s.type === "RUNNING")?.timestamp;
  const final = run.stateHistory.findLast((s) => FINAL.has(s.type))?.timestamp;
  return (final ?? Number.NaN) - (running ?? Number.NaN);
}

async function detail(dev: Dev, id: string): Promise<RunDetail> {
  const answer = await request(dev.direct, "GET", `/api/runs/${id}`);
  if (answer.status !== 200) throw new Error(`GET /api/runs/${id}: ${answer.status}`);
  return JSON.parse(answer.body) as RunDetail;
}

/**
 * In-Worker through the API: the run's own Running → Completed. A run due now executes inside
 * its create call, whose answer is its detail; the detail is polled only if it is not final.
 */
async function inWorker(dev: Dev, n: number): Promise<Sample> {
  const t = performance.now();
  const created = await request(dev.direct, "POST", `/api/flows/${remoteSeq.flowName}/runs`, {
    parameters: { n },
  });
  const postMs = performance.now() - t;
  if (created.status >= 300) throw new Error(`create: ${created.status} ${created.body}`);
  let run = JSON.parse(created.body) as RunDetail & { id: string };
  for (;;) {
    if (run.state !== null && FINAL.has(run.state.type)) {
      const ms = performance.now() - t;
      if (run.state.type !== "COMPLETED") {
        failures++;
        console.error(`in-Worker n=${n}: ${run.state.type}`);
      }
      return { ms, postMs, detailMs: runningMs(run) };
    }
    // Seldom: a detail read runs in the run's own object, between its steps.
    await new Promise((r) => setTimeout(r, POLL_MS));
    run = { ...(await detail(dev, run.id)), id: run.id };
  }
}

/** The issue 3 route: one request that creates the run and answers at its end. */
async function benchRoute(dev: Dev, n: number): Promise<Sample> {
  const t = performance.now();
  const answer = await request(dev.direct, "POST", `/bench/weir/run?shape=seq&n=${n}`);
  const ms = performance.now() - t;
  if (!answer.body.includes("COMPLETED")) {
    failures++;
    console.error(`bench route n=${n}: ${answer.status} ${answer.body.slice(0, 300)}`);
  }
  return { ms };
}

async function remote(dev: Dev, n: number, ack: AppendAck, base = dev.direct): Promise<Sample> {
  const sent: Sent[] = [];
  const t0 = performance.now();
  const run = await startOnServer(
    remoteSeq,
    { n },
    { url: base, token: null, ack, console: false, fetch: timedFetch(sent) },
  );
  const t1 = performance.now();
  await run.handle.execution;
  const t2 = performance.now();
  const last = await run.result();
  const t3 = performance.now();
  if (last !== n - 1) {
    failures++;
    console.error(`remote ${ack} n=${n}: result ${String(last)}`);
  }
  const intervals = sent.map((s) => [s.startMs, s.endMs] as const);
  const appends = sent.filter((s) => s.kind === "append");
  const run2 = await detail(dev, run.runId);
  return {
    ms: t3 - t0,
    startMs: t1 - t0,
    executeMs: t2 - t1,
    drainMs: t3 - t2,
    httpBusyMs: busyMs(intervals),
    httpBusyExecMs: busyWithin(intervals, t1, t2),
    requests: sent.length,
    appends: appends.length,
    appendEntries: appends.reduce((a, s) => a + s.entries, 0),
    appendLogs: appends.reduce((a, s) => a + s.logs, 0),
    appendMs: appends.reduce((a, s) => a + (s.endMs - s.startMs), 0),
    detailMs: runningMs(run2),
    sent,
  };
}

async function inProcess(n: number): Promise<Sample> {
  const t = performance.now();
  const last = await remoteSeq.run({ n }, { console: false });
  const ms = performance.now() - t;
  if (last !== n - 1) failures++;
  return { ms };
}

type Scenario = "inWorker" | "benchRoute" | "buffered" | "stored" | "proxy" | "inProcess";
const LABEL: Record<Scenario, string> = {
  inWorker: "in-Worker, API run (its detail's Running → Completed)",
  benchRoute: "in-Worker, `/bench/weir/run` wall time (one request, run to its end)",
  buffered: 'remote, `runOnServer`, ack "buffered" (default)',
  stored: 'remote, `runOnServer`, ack "stored"',
  proxy: 'remote, ack "buffered", through wrangler\'s proxy',
  inProcess: "in-process, in-memory ports (`flow.run`)",
};

function scenarios(n: number): Scenario[] {
  const list: Scenario[] = ["inWorker", "benchRoute", "buffered"];
  if (n <= 100) list.push("stored");
  list.push("proxy");
  list.push("inProcess");
  return list;
}

function once(dev: Dev, scenario: Scenario, n: number): Promise<Sample> {
  switch (scenario) {
    case "inWorker":
      return inWorker(dev, n);
    case "benchRoute":
      return benchRoute(dev, n);
    case "buffered":
      return remote(dev, n, "buffered");
    case "stored":
      return remote(dev, n, "stored");
    case "proxy":
      return remote(dev, n, "buffered", dev.proxy);
    case "inProcess":
      return inProcess(n);
  }
}

const med = (samples: readonly Sample[], pick: (s: Sample) => number | undefined) => {
  const xs = samples.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return xs.length === 0 ? Number.NaN : median(xs);
};

async function main(): Promise<void> {
  const startedAt = Date.now();
  const base = existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  const dir = await mkdtemp(join(base, "weir-bench-remote-"));
  const loadAtStart = os.loadavg().map((x) => fixed(x, 2));
  log(`bundling into ${dir}, starting wrangler dev without its inspector`);
  const dev = await startDev(dir, await prepare(dir), false, PORT, false);
  const samples: Record<string, Sample[]> = {};
  const probes: Record<number, AppendProbe[]> = {};
  let path: PathEstimates | undefined;
  try {
    log(`ready: ${dev.direct}`);
    // Warm every path (the isolate, the engine, the routes, the D1 index).
    for (const n of SIZES) for (const s of scenarios(n)) await once(dev, s, n);
    failures = 0;
    for (let rep = 0; rep < REPS; rep++) {
      for (const n of SIZES) {
        const list = scenarios(n);
        // Rotate the order each repetition, so drift favours none.
        const order = list.map((_, i) => list[(i + rep) % list.length] as Scenario);
        for (const s of order) {
          const ticks = await cpuTicks(dev);
          const sample = await once(dev, s, n);
          sample.cpuMs = ((await cpuTicks(dev)) - ticks) * 10;
          const key = `${s}/${n}`;
          samples[key] = [...(samples[key] ?? []), sample];
          log(
            `  rep ${rep + 1} n=${n} ${s}: ${fixed(sample.ms, 1)} ms${sample.detailMs === undefined ? "" : ` (detail ${sample.detailMs} ms)`}${sample.appends === undefined ? "" : `, ${sample.appends} appends`}`,
          );
        }
      }
    }
    log("the server's side alone: appends of K entries");
    const entries = await stepEntries(1000);
    path = estimatePath(entries.slice(0, 1000));
    for (let rep = 0; rep < REPS; rep++) {
      for (const k of PROBE_K) {
        const probe = await probeAppends(dev.direct, entries, k, 200, () => cpuTicks(dev));
        probes[k] = [...(probes[k] ?? []), probe];
        log(
          `  K=${k}: ${fixed(probe.msPerAppend, 2)} ms per append, ${fixed(probe.cpuMsPerAppend, 2)} ms CPU`,
        );
      }
    }
  } finally {
    await stopAndWait(dev);
    agent.destroy();
    if (!KEEP && failures === 0) await rm(dir, { recursive: true, force: true });
    else console.error(`kept ${dir} (wrangler.log inside)`);
  }

  const get = (s: Scenario, n: number) => samples[`${s}/${n}`] ?? [];
  /** The in-Worker time per step: the run's own detail timestamps. */
  const inWorkerMs = (n: number) => med(get("inWorker", n), (x) => x.detailMs);
  const rows: string[][] = [];
  for (const n of SIZES) {
    for (const s of scenarios(n)) {
      const xs = get(s, n);
      const ms = s === "inWorker" ? inWorkerMs(n) : med(xs, (x) => x.ms);
      const ratio = s === "inWorker" ? "1.00×" : `${fixed(ms / inWorkerMs(n), 2)}×`;
      const postMs = med(get("inWorker", n), (x) => x.postMs);
      rows.push([
        String(n),
        LABEL[s],
        fixed(ms, 1),
        fixed(ms / n, 3),
        ratio,
        `${fixed(ms / postMs, 2)}×`,
        s === "inWorker"
          ? `wall of the create call, which answers the finished run's detail: ${fixed(
              postMs,
              1,
            )} ms`
          : xs[0]?.appends === undefined
            ? ""
            : `${fixed(
                med(xs, (x) => x.appends),
                0,
              )} appends, ${fixed(
                med(xs, (x) => x.requests),
                0,
              )} requests in all`,
        fixed(
          med(xs, (x) => x.cpuMs),
          0,
        ),
        xs.map((x) => fixed(s === "inWorker" ? (x.detailMs ?? Number.NaN) : x.ms, 0)).join(", "),
      ]);
    }
  }
  const phases: string[][] = [];
  for (const n of SIZES) {
    for (const s of scenarios(n)) {
      const xs = get(s, n);
      if (xs[0]?.appends === undefined) continue;
      const appends = med(xs, (x) => x.appends);
      phases.push([
        `${n}, ${s === "proxy" ? "buffered, proxy" : s}`,
        fixed(
          med(xs, (x) => x.ms),
          1,
        ),
        fixed(
          med(xs, (x) => x.startMs),
          1,
        ),
        fixed(
          med(xs, (x) => x.executeMs),
          1,
        ),
        fixed(
          med(xs, (x) => x.drainMs),
          1,
        ),
        fixed(
          med(xs, (x) => x.httpBusyMs),
          1,
        ),
        fixed(
          med(xs, (x) => x.httpBusyExecMs),
          1,
        ),
        fixed(appends, 0),
        fixed(
          med(xs, (x) => (x.appendEntries ?? 0) / (x.appends || 1)),
          1,
        ),
        fixed(
          med(xs, (x) => (x.appendMs ?? 0) / (x.appends || 1)),
          2,
        ),
        fixed(
          med(xs, (x) => x.detailMs),
          0,
        ),
      ]);
    }
  }
  // Per-request cost of an append against its size, over every remote sample.
  const allAppends = Object.entries(samples)
    .filter(([key]) => !key.startsWith("proxy/"))
    .flatMap(([, xs]) => xs.flatMap((x) => (x.sent ?? []).filter((s) => s.kind === "append")));
  const buckets: [string, (k: number) => boolean][] = [
    ["1–2", (k) => k <= 2],
    ["3–20", (k) => k > 2 && k <= 20],
    ["21–200", (k) => k > 20 && k <= 200],
    ["201–1,000", (k) => k > 200],
  ];
  const sizeRows = buckets
    .map(([label, test]) => {
      const inBucket = allAppends.filter((a) => test(a.entries));
      if (inBucket.length === 0) return undefined;
      const ms = inBucket.map((a) => a.endMs - a.startMs);
      const k = median(inBucket.map((a) => a.entries));
      return [
        label,
        String(inBucket.length),
        fixed(k, 0),
        fixed(median(inBucket.map((a) => a.bytes)), 0),
        fixed(median(ms), 2),
        fixed(median(ms) / k, 3),
      ];
    })
    .filter((r): r is string[] => r !== undefined);
  const probeRows = PROBE_K.map((k) => {
    const ps = probes[k] ?? [];
    const pm = (pick: (p: AppendProbe) => number) => median(ps.map(pick));
    return [
      String(k),
      fixed(
        pm((p) => p.appends),
        0,
      ),
      fixed(
        pm((p) => p.msPerAppend),
        2,
      ),
      k === 0
        ? ""
        : fixed(
            pm((p) => p.msPerEntry),
            4,
          ),
      fixed(
        pm((p) => p.cpuMsPerAppend),
        2,
      ),
      k === 0 ? "" : fixed(pm((p) => p.cpuMsPerAppend) / k, 4),
    ];
  });
  const command = `node --import tsx bench/worker/remote.ts ${args.join(" ")}`.trim();
  const md = [
    `Command: \`${command}\` (\`npm run bench:remote\`), ${new Date(startedAt).toISOString()}, ${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length}, Node ${process.version}, load average at start ${loadAtStart.join(" / ")}, at end ${os
      .loadavg()
      .map((x) => fixed(x, 2))
      .join(
        " / ",
      )}; one \`wrangler dev\` without its inspector, requests straight to workerd; medians of ${REPS}.`,
    "",
    table(
      [
        "N",
        "how",
        "ms",
        "ms/step",
        "÷ in-Worker (run's stamps)",
        "÷ in-Worker create call",
        "requests",
        "workerd CPU ms",
        "samples ms",
      ],
      rows,
    ),
    "",
    "Where a remote run's time goes (medians, ms; `start` = the create request, `execute` = the run executing here, `drain` = the last flush and the lease's release; HTTP busy = time with a request in flight):",
    "",
    table(
      [
        "N, ack",
        "total",
        "start",
        "execute",
        "drain",
        "HTTP busy",
        "of it during execute",
        "appends",
        "entries/append",
        "ms/append",
        "run's detail Running → Completed",
      ],
      phases,
    ),
    "",
    "Append requests by size (every remote sample, warm-up excluded; request sent → answer's body read):",
    "",
    table(
      [
        "entries per append",
        "appends",
        "median entries",
        "median bytes",
        "median ms",
        "ms per entry",
      ],
      sizeRows,
    ),
    "",
    "The server's side alone: a 1,000-step run's journal entries (2,000 after its creation) appended to a fresh remote run in chunks of K, one request at a time, nothing executing here (medians of the repetitions; K = 0: 200 empty appends):",
    "",
    table(
      [
        "K",
        "appends",
        "ms per append",
        "wall ms per entry",
        "workerd CPU ms per append",
        "CPU ms per entry",
      ],
      probeRows,
    ),
    "",
    path === undefined
      ? ""
      : `The plain-JavaScript part of a 1,000-entry append, timed in this process (the same V8 as workerd's), median of 30: JSON.stringify of the body (client) ${fixed(path.stringifyMs, 2)} ms, JSON.parse (route) ${fixed(path.parseMs, 2)} ms, zod AppendSchema validation (route) ${fixed(path.validateMs, 2)} ms, structuredClone of the entries (about the RPC to the run's object) ${fixed(path.cloneMs, 2)} ms.`,
    "",
  ].join("\n");
  console.log(`\n${md}`);
  await writeFile(MD, md);
  const out = resolve(root, OUT);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify(
      { command, date: new Date(startedAt).toISOString(), samples, probes, path },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${MD} and ${OUT} (${fixed((Date.now() - startedAt) / 1000, 0)} s)`);
}

await main();
if (failures > 0) {
  console.error(`${failures} run(s) did not complete`);
  process.exitCode = 1;
}
