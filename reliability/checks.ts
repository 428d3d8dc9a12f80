/**
 * The crash test's verdict, computed from what it recorded: the recording service's
 * executions, the servers it started and killed, what the API showed while it ran, and each
 * run's final detail and logs. Pure functions, so the rules can be read (and tested) apart
 * from the processes.
 *
 * The rules, each a correctness property of the Worker:
 * - every run completes with the right result and all its steps completed;
 * - no step runs twice within one server's life (a step may run again only if a kill cut it
 *   short, which moves the test to the next server generation);
 * - no step runs after its completion was stored: neither after a response of the API showed
 *   it completed, nor in a server generation later than the one that wrote the completion the
 *   final journal holds;
 * - no log line the API returned is missing or changed afterwards, and every completed step's
 *   own log line is there;
 * - nothing runs for a run the test did not create (a retried create makes no second run).
 *
 * @module
 */

import { median } from "../bench/stats.ts";
import type { LogLine, RunDetail } from "../worker/api/run_json.ts";
import type { RunSeen } from "./observer.ts";
import { expectedResult, stepLogLine } from "./protocol.ts";
import type { Execution } from "./recorder.ts";

/** A run the test created. */
export interface CreatedRun {
  readonly id: string;
  readonly seed: number;
}

/** A server generation's times (Date.now()). */
export interface Generation {
  readonly generation: number;
  readonly spawnedAt: number;
  readonly healthyAt: number;
}

/** A kill of one generation, with the runs the API still showed unfinished then. */
export interface Kill {
  readonly generation: number;
  readonly at: number;
  readonly pending: readonly string[];
}

/** A run's state at the end. */
export interface FinalRun {
  readonly detail: RunDetail;
  readonly logs: readonly LogLine[];
}

export interface Evidence {
  readonly steps: number;
  readonly runs: readonly CreatedRun[];
  readonly executions: readonly Execution[];
  readonly generations: readonly Generation[];
  readonly kills: readonly Kill[];
  readonly seen: ReadonlyMap<string, RunSeen>;
  readonly finals: ReadonlyMap<string, FinalRun>;
}

/** min / median / max of some samples, in ms; undefined when there are none. */
export interface Spread {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export interface Verdict {
  /** Every broken rule, one line each; empty when the Worker passed. */
  readonly violations: string[];
  readonly figures: {
    readonly runs: number;
    readonly kills: number;
    readonly stepsPerRun: number;
    readonly executions: number;
    /** (run, step) pairs that ran more than once (each because a kill cut the first short). */
    readonly stepsRunTwice: number;
    /** Executions with attempt > 1 (a task retry after a failure, not a crash). */
    readonly retries: number;
    readonly logLinesSeen: number;
    readonly lostLogLines: number;
    /** From /api/health answering again to the run's next recorded step, per run and restart. */
    readonly resumeMs: Spread | undefined;
    /** Runs unfinished at a kill that had no step left to run (they only had to finish). */
    readonly finishedWithoutStep: number;
    /** Runs unfinished at a kill that had not run a step when the next kill came. */
    readonly notResumedBeforeNextKill: number;
    /** From spawning `wrangler dev` to /api/health answering, per restart. */
    readonly restartMs: Spread | undefined;
  };
}

/** min / median / max, or undefined for no samples. */
export function spread(samples: readonly number[]): Spread | undefined {
  if (samples.length === 0) return undefined;
  return {
    n: samples.length,
    min: Math.min(...samples),
    median: median(samples),
    max: Math.max(...samples),
  };
}

/** The generation whose server was running at `at` (spawned at or before it). */
function generationAt(generations: readonly Generation[], at: number): number {
  let found = 0;
  for (const g of generations) if (g.spawnedAt <= at) found = Math.max(found, g.generation);
  return found;
}

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** Applies every rule to the evidence and computes the figures. */
export function judge(evidence: Evidence): Verdict {
  const violations: string[] = [];
  const { steps, executions, generations } = evidence;
  const known = new Set(evidence.runs.map((r) => r.id));
  const byRunStep = group(executions, (e) => `${e.runId} ${e.step}`);

  for (const e of executions) {
    if (!known.has(e.runId)) {
      violations.push(`step ${e.step} ran for run ${e.runId}, which the test never created`);
    }
  }
  for (const [key, list] of byRunStep) {
    const once = new Set<string>();
    for (const e of list) {
      const id = `${e.attempt} ${e.generation}`;
      if (once.has(id)) {
        violations.push(
          `run ${key.replace(" ", " step ")} attempt ${e.attempt} ran twice on server ${e.generation}, with no kill in between`,
        );
      }
      once.add(id);
    }
  }

  for (const run of evidence.runs) {
    const final = evidence.finals.get(run.id);
    const detail = final?.detail;
    if (detail === undefined || detail.state?.type !== "COMPLETED") {
      violations.push(`run ${run.id} ended ${detail?.state?.name ?? "unread"}, not Completed`);
      continue;
    }
    const want = expectedResult(steps, run.seed);
    if (detail.result !== want) {
      violations.push(`run ${run.id} returned ${JSON.stringify(detail.result)}, not ${want}`);
    }
    const tasks = detail.steps.filter((s) => s.kind === "task");
    if (tasks.length !== steps || tasks.some((s) => s.state.type !== "COMPLETED")) {
      violations.push(`run ${run.id} has ${tasks.length} task steps, not ${steps} completed`);
    }
    const lines = new Map((final?.logs ?? []).map((l) => [l.cursor, l.message]));
    const messages = new Set(lines.values());
    for (const step of tasks) {
      const ran = byRunStep.get(`${run.id} ${step.id}`) ?? [];
      if (ran.length === 0) violations.push(`run ${run.id} step ${step.id} completed, never ran`);
      // The completion the journal kept was written by this generation's server; any
      // execution on a later server ran after it was stored.
      const madeBy = generationAt(generations, step.endedAt ?? Number.POSITIVE_INFINITY);
      for (const e of ran) {
        if (e.generation > madeBy) {
          violations.push(
            `run ${run.id} step ${step.id} ran on server ${e.generation} after its completion was stored by server ${madeBy}`,
          );
        }
      }
      if (!messages.has(stepLogLine(Number(step.id), step.attempts))) {
        violations.push(`run ${run.id} step ${step.id} completed without its log line`);
      }
    }
    const seen = evidence.seen.get(run.id);
    for (const [stepId, at] of seen?.completedSeenAt ?? []) {
      for (const e of byRunStep.get(`${run.id} ${stepId}`) ?? []) {
        if (e.at > at) {
          violations.push(
            `run ${run.id} step ${stepId} ran ${e.at - at} ms after the API showed it completed`,
          );
        }
      }
    }
    for (const [cursor, message] of seen?.lines ?? []) {
      const now = lines.get(cursor);
      if (now !== message) {
        violations.push(
          `run ${run.id} log line ${cursor} ${JSON.stringify(message)} is ${now === undefined ? "missing" : `now ${JSON.stringify(now)}`}`,
        );
      }
    }
  }

  return { violations, figures: figures(evidence, byRunStep, violations) };
}

function figures(
  evidence: Evidence,
  byRunStep: Map<string, Execution[]>,
  violations: readonly string[],
): Verdict["figures"] {
  const { executions, generations, kills } = evidence;
  const resume: number[] = [];
  let finishedWithoutStep = 0;
  let notResumed = 0;
  for (const kill of kills) {
    const next = generations.find((g) => g.generation === kill.generation + 1);
    if (next === undefined) continue;
    for (const run of evidence.runs) {
      // Interrupted: it had started, and the completion its journal holds came after the kill
      // (judged from the journal, as the API may not have shown a just-finished run yet).
      const state = evidence.finals.get(run.id)?.detail.state;
      const finishedBefore = state?.type === "COMPLETED" && state.timestamp < kill.at;
      const ran = (e: Execution) => e.runId === run.id && e.generation <= kill.generation;
      if (finishedBefore || !executions.some(ran)) continue;
      const first = executions.find((e) => e.runId === run.id && e.generation === next.generation);
      // A run whose alarm was already due may run a step before /api/health answers: 0.
      if (first !== undefined) resume.push(Math.max(0, first.at - next.healthyAt));
      else if (executions.some((e) => e.runId === run.id && e.generation > next.generation)) {
        notResumed++;
      } else finishedWithoutStep++;
    }
  }
  let lines = 0;
  for (const seen of evidence.seen.values()) lines += seen.lines.size;
  return {
    runs: evidence.runs.length,
    kills: kills.length,
    stepsPerRun: evidence.steps,
    executions: executions.length,
    stepsRunTwice: [...byRunStep.values()].filter((list) => list.length > 1).length,
    retries: executions.filter((e) => e.attempt > 1).length,
    logLinesSeen: lines,
    lostLogLines: violations.filter((v) => / log line \d+ /.test(v)).length,
    resumeMs: spread(resume),
    finishedWithoutStep,
    notResumedBeforeNextKill: notResumed,
    restartMs: spread(generations.slice(1).map((g) => g.healthyAt - g.spawnedAt)),
  };
}
