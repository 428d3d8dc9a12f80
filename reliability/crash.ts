/**
 * The crash test (issue 7): real processes, real kills. It starts `wrangler dev` on the
 * reliability app with its state on disk, creates runs of a flow of N recorded steps over
 * HTTP, and K times kills the whole wrangler process group with SIGKILL at a random moment
 * while steps run, then starts it again on the same state. Then it waits for every run to
 * finish and judges what happened (see checks.ts): right results, no step run again after its
 * completion was stored, no log line lost once the API returned it. It reports how long runs
 * took to resume after each restart, but asserts nothing about time.
 *
 * Each kill lands while a fresh wave of runs executes (the runs are created in K waves, one
 * per server), and only after the runs the previous kill interrupted have resumed, so every
 * kill also hits runs that are replaying their journal.
 *
 *   node --import tsx reliability/crash.ts [--runs 100] [--kills 10] [--steps 20] [--seed N]
 *                                          [--hold 40-200] [--keep]
 *
 * `npm run reliability` runs the full form; reliability/crash.test.ts runs a bounded one in
 * `npm test`. Imported, this module runs nothing by itself.
 *
 * @module
 */

import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { seededRandom } from "../runtime/host.ts";
import { waitFor } from "../scripts/wrangler_dev.ts";
import {
  type CreatedRun,
  type FinalRun,
  type Generation,
  judge,
  type Kill,
  type Spread,
  type Verdict,
} from "./checks.ts";
import { Observer, readLogs, readRun } from "./observer.ts";
import { FLOW_NAME } from "./protocol.ts";
import { startRecorder } from "./recorder.ts";
import { killServer, killStarted, prepareApp, type Server, startServer } from "./server.ts";

export interface CrashOptions {
  readonly runs: number;
  readonly kills: number;
  /** Steps per run (default 20). */
  readonly steps?: number;
  /** Seeds the kill moments and step durations, to replay a schedule (default: random). */
  readonly seed?: number;
  /**
   * How long the recording service holds each step, in ms [min, max] (default 40–200): the
   * window a kill can land in. Near 0, kills land more often while the Worker writes.
   */
  readonly holdMs?: readonly [number, number];
  /** Keep the state directory (with each server's wrangler log) instead of deleting it. */
  readonly keep?: boolean;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface CrashResult extends Verdict {
  readonly seed: number;
  readonly durationMs: number;
  readonly dir: string;
}

/** How long after a wave starts running its server is killed (ms). */
const KILL_AFTER_MS: readonly [number, number] = [300, 2500];
/** Generous bounds, for a slow machine: runs resume in seconds, a watchdog may take 60 s. */
const RESUME_WAIT_MS = 180_000;
const FINISH_WAIT_MS = 600_000;
const CREATE_WAIT_MS = 300_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Splits `total` into `parts` near-equal counts. */
function waves(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor((total * (i + 1)) / parts) - Math.floor((total * i) / parts),
  );
}

/**
 * Runs the crash test and judges it; rejects only when the test itself cannot go on (a server
 * that does not start, runs that never finish).
 *
 * @example
 * ```ts
 * const result = await runCrashTest({ runs: 20, kills: 3 });
 * assert.deepEqual(result.violations, []);
 * ```
 */
export async function runCrashTest(options: CrashOptions): Promise<CrashResult> {
  const started = Date.now();
  const steps = options.steps ?? 20;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  // Two streams, so the kill moments a seed gives do not depend on how many steps ran first.
  const killRandom = seededRandom(seed);
  const holdRandom = seededRandom(seed ^ 0x5bd1e995);
  const between = ([lo, hi]: readonly [number, number], random: () => number) =>
    lo + random() * (hi - lo);
  const log = options.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), "weir-reliability-"));
  let generation = 0;
  let server: Server | undefined;
  const recorder = await startRecorder({
    generation: () => generation,
    holdMs: () => between(options.holdMs ?? [40, 200], holdRandom),
  });
  const observer = new Observer(() => server?.url);
  const runs: CreatedRun[] = [];
  const generations: Generation[] = [];
  const kills: Kill[] = [];
  const creations: Promise<void>[] = [];
  const createErrors: string[] = [];
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  /** Creates run `i`, retrying across kills: the idempotency key makes a retry return it. */
  const create = async (i: number): Promise<void> => {
    const body = JSON.stringify({
      parameters: { steps, seed: i + 1 },
      idempotencyKey: `crash-${i}`,
    });
    const deadline = Date.now() + CREATE_WAIT_MS;
    for (;;) {
      const base = server?.url;
      let answer: { status: number; text: string } | undefined;
      if (base !== undefined) {
        try {
          const res = await fetch(`${base}/api/flows/${FLOW_NAME}/runs`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(30_000),
          });
          answer = { status: res.status, text: await res.text() };
        } catch {
          // The server was killed under the request; try again on the next one.
        }
      }
      if (answer !== undefined && (answer.status === 200 || answer.status === 201)) {
        const id = (JSON.parse(answer.text) as { id: string }).id;
        runs.push({ id, seed: i + 1 });
        observer.watch(id);
        return;
      }
      if (answer !== undefined && answer.status < 500) {
        throw new Error(`creating run ${i} answered ${answer.status}: ${answer.text}`);
      }
      if (Date.now() > deadline) throw new Error(`run ${i} could not be created in time`);
      await sleep(250);
    }
  };

  /** Waits until each run a kill interrupted ran a step on this server, or has finished. */
  const resumed = async (kill: Kill | undefined): Promise<void> => {
    if (kill === undefined) return;
    const done = (id: string) =>
      observer.runs.get(id)?.final !== undefined ||
      recorder.executions.some((e) => e.runId === id && e.generation === generation);
    try {
      await waitFor(
        "the interrupted runs to resume",
        () => (kill.pending.every(done) ? true : undefined),
        RESUME_WAIT_MS,
      );
    } catch {
      log(`${elapsed()}: ${kill.pending.filter((id) => !done(id)).length} runs not resumed yet`);
    }
  };

  const boot = async (bundled: string): Promise<void> => {
    generation++;
    server = await startServer(dir, bundled, generation, recorder.url);
    const { spawnedAt, healthyAt } = server;
    generations.push({ generation, spawnedAt, healthyAt });
    log(`${elapsed()}: server ${generation} up (${healthyAt - spawnedAt} ms to /api/health)`);
  };

  // Interrupted (Ctrl-C, a test timeout), leave no server behind.
  const onSignal = (signal: NodeJS.Signals) => {
    killStarted();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal).once("exit", killStarted);
  try {
    log(`crash test: ${options.runs} runs of ${steps} steps, ${options.kills} kills, seed ${seed}`);
    log(`state in ${dir}; bundling the app and applying D1 migrations…`);
    const bundled = await prepareApp(dir);
    await boot(bundled);
    observer.start();
    let next = 0;
    for (const size of waves(options.runs, Math.max(1, options.kills))) {
      await resumed(kills.at(-1));
      const waveStart = Date.now();
      for (let i = next; i < next + size; i++) {
        creations.push(create(i).catch((error) => void createErrors.push(String(error))));
      }
      next += size;
      if (kills.length === options.kills) break;
      await waitFor(
        `a step to run on server ${generation}`,
        () =>
          recorder.executions.some((e) => e.generation === generation && e.at >= waveStart)
            ? true
            : undefined,
        120_000,
      );
      await sleep(between(KILL_AFTER_MS, killRandom));
      const dying = server;
      if (dying === undefined) throw new Error("no server to kill");
      const pending = runs.filter((r) => observer.runs.get(r.id)?.final === undefined);
      const at = Date.now();
      server = undefined;
      await killServer(dying.proc);
      kills.push({ generation: dying.generation, at, pending: pending.map((r) => r.id) });
      log(`${elapsed()}: killed server ${dying.generation} with ${pending.length} runs unfinished`);
      await boot(bundled);
    }
    await resumed(kills.at(-1));
    await Promise.all(creations);
    await waitFor(
      "every run to finish",
      () =>
        createErrors.length > 0 ||
        (runs.length + createErrors.length === options.runs && observer.unfinished().length === 0)
          ? true
          : undefined,
      FINISH_WAIT_MS,
    ).catch((error) => {
      // Say which runs hang and where, so a run that never resumes can be looked into.
      const stuck = observer.unfinished().map((r) => {
        const last = recorder.executions.filter((e) => e.runId === r.id).at(-1);
        return `${r.id} (last step run: ${last === undefined ? "none" : `${last.step} on server ${last.generation}`})`;
      });
      throw new Error(`${error}; unfinished: ${stuck.join(", ") || "none"}`);
    });
    log(`${elapsed()}: every run finished; reading their journals and logs`);
    await observer.stop();
    const base = server?.url;
    if (base === undefined) throw new Error("no server");
    const finals = new Map<string, FinalRun>();
    for (const run of runs) {
      finals.set(run.id, {
        detail: await readRun(base, run.id),
        logs: await readLogs(base, run.id),
      });
    }
    const verdict = judge({
      steps,
      runs,
      executions: recorder.executions,
      generations,
      kills,
      seen: observer.runs,
      finals,
    });
    verdict.violations.unshift(...createErrors);
    return { ...verdict, seed, durationMs: Date.now() - started, dir };
  } catch (error) {
    const tail = server?.tail() ?? "";
    throw new Error(
      `${error}\n(seed ${seed}, state in ${dir})${tail ? `\n--- wrangler ---\n${tail}` : ""}`,
    );
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal).off("exit", killStarted);
    await observer.stop();
    if (server !== undefined) await killServer(server.proc);
    await recorder.close();
    if (!options.keep) await rm(dir, { recursive: true, force: true });
  }
}

function formatSpread(s: Spread | undefined): string {
  return s === undefined ? "none" : `${s.min} / ${Math.round(s.median)} / ${s.max} ms (${s.n})`;
}

/** The figures as lines of text, for the console and docs/RELIABILITY.md. */
export function report(result: CrashResult): string[] {
  const f = result.figures;
  return [
    `runs: ${f.runs} of ${f.stepsPerRun} steps; kills: ${f.kills} (seed ${result.seed})`,
    `step executions: ${f.executions}; steps run twice: ${f.stepsRunTwice}; task retries: ${f.retries}`,
    `log lines seen during the test: ${f.logLinesSeen}; lost: ${f.lostLogLines}`,
    `resume after restart (health → next step) min / median / max: ${formatSpread(f.resumeMs)}`,
    `  finished without another step: ${f.finishedWithoutStep}; not resumed before the next kill: ${f.notResumedBeforeNextKill}`,
    `restart (spawn → /api/health) min / median / max: ${formatSpread(f.restartMs)}`,
    `duration: ${(result.durationMs / 1000).toFixed(1)} s; violations: ${result.violations.length}`,
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "100" },
      kills: { type: "string", default: "10" },
      steps: { type: "string", default: "20" },
      seed: { type: "string" },
      hold: { type: "string", default: "40-200" },
      keep: { type: "boolean", default: false },
    },
  });
  const int = (name: string, text: string | undefined, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} takes an integer ≥ ${min}`);
    return n;
  };
  const hold = /^(\d+)-(\d+)$/.exec(values.hold);
  if (hold === null) throw new Error("--hold takes MIN-MAX in ms, e.g. 40-200");
  const result = await runCrashTest({
    runs: int("runs", values.runs, 1),
    kills: int("kills", values.kills, 0),
    steps: int("steps", values.steps, 1),
    ...(values.seed === undefined ? {} : { seed: int("seed", values.seed, 0) }),
    holdMs: [Number(hold[1]), Number(hold[2])],
    keep: values.keep,
    log: (line) => console.error(line),
  });
  for (const line of report(result)) console.log(line);
  for (const violation of result.violations) console.log(`VIOLATION: ${violation}`);
  if (values.keep) console.log(`state kept in ${result.dir}`);
  process.exitCode = result.violations.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
