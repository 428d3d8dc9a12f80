/**
 * Executing a run inside its Durable Object: one execution at a time, each from the journal
 * with the Worker's ports, until the run finishes or suspends; a wake-up that arrives
 * mid-execution runs it once more when it ends. What the run is due next goes to the object's
 * `wake_at`, which its alarm reads.
 *
 * @module
 */

import { type AnyFlow, RunLifecycle, resolveHost, systemClock } from "../runtime/host.ts";
import type { WeirEnv } from "./env.ts";
import type { RunLeases } from "./limits/leases.ts";
import { DurableLimits } from "./limits/run_port.ts";
import type { RunAlarm } from "./run_alarm.ts";
import { START_WAIT_MS } from "./start_options.ts";
import { D1CacheStore } from "./storage/d1_cache.ts";
import { R2ResultStore } from "./storage/r2_results.ts";
import type { RunMeta } from "./storage/run_meta.ts";
import type { SqlJournal } from "./storage/sql_journal.ts";
import type { SqlLogSink } from "./storage/sql_logs.ts";
import { durableDeployments, durableSubflows } from "./subflows.ts";

/** The wake time of a run that waits for nothing but a request (an event, a child, a retry). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** What a driver works with: the object's storage adapters, its alarm, and the app's flows. */
export interface RunDriverPorts {
  readonly env: WeirEnv;
  readonly meta: RunMeta;
  readonly journal: SqlJournal;
  readonly logs: SqlLogSink;
  readonly alarm: RunAlarm;
  readonly leases: RunLeases;
  readonly flow: (name: string) => AnyFlow | undefined;
}

/**
 * Runs the executor for one run object.
 *
 * @example
 * ```ts
 * const driver = new RunDriver({ env, meta, journal, logs, alarm, flow: (n) => registry.get(n) });
 * await driver.drive(runId);
 * ```
 */
export class RunDriver {
  #driving: Promise<void> | undefined;
  #again = false;
  #live: RunLifecycle | undefined;
  /** How long an inline start waits; children started by this instance's run wait as long. */
  startWaitMs = START_WAIT_MS;

  constructor(readonly ports: RunDriverPorts) {}

  /** Whether an execution is in progress in this instance. */
  get executing(): boolean {
    return this.#driving !== undefined;
  }

  /** The execution in progress, to cancel it or hand it an event directly. */
  get live(): RunLifecycle | undefined {
    return this.#live;
  }

  /** Asks an execution in progress to run once more when it ends (new input arrived). */
  wakeAgain(): void {
    if (this.#driving !== undefined) this.#again = true;
  }

  /** Runs the executor until the run finishes or suspends; one execution at a time. */
  async drive(runId: string): Promise<void> {
    if (this.#driving !== undefined) {
      this.#again = true;
      return this.#driving;
    }
    this.#driving = (async () => {
      do {
        this.#again = false;
        await this.#executeOnce(runId);
      } while (this.#again);
    })();
    try {
      await this.#driving;
    } finally {
      this.#driving = undefined;
    }
  }

  async #executeOnce(runId: string): Promise<void> {
    const { env, meta, journal, logs, alarm } = this.ports;
    const flowName = meta.get("flow_name") ?? "";
    const flow = this.ports.flow(flowName);
    if (flow === undefined) {
      logs.write({
        runId,
        source: "weir.worker",
        level: "ERROR",
        message: `This Worker has no flow named '${flowName}'; the run waits until one is deployed`,
        timestamp: Date.now(),
      });
      // Not due again until poked (the cron sweep pokes stale runs), else the alarm would spin.
      meta.set("wake_at", String(NEVER));
      return;
    }
    // If this object dies mid-run, the watchdog alarm resumes the run from its journal.
    meta.set("wake_at", String(await alarm.watch(Date.now())));
    const limit = Number(env.WEIR_RESULT_INLINE_LIMIT ?? "131072");
    const start = meta.get("start_mode") === "alarm" ? "alarm" : "inline";
    const startWaitMs = this.startWaitMs;
    const host = resolveHost(
      {
        journal,
        clock: systemClock,
        cache: new D1CacheStore(env.DB),
        results: new R2ResultStore(env.RESULTS),
        logs,
        console: false,
        mode: "suspend",
        resultInlineLimit: Number.isFinite(limit) ? limit : 131072,
        deployments: durableDeployments(env, { start, startWaitMs, flow: this.ports.flow }),
        limits: new DurableLimits(env, this.ports.leases),
      },
      durableSubflows(env, { start, startWaitMs }),
    );
    const lifecycle = new RunLifecycle(flow, host, runId, undefined);
    this.#live = lifecycle;
    let report: Awaited<ReturnType<RunLifecycle["run"]>>;
    try {
      report = await lifecycle.run();
    } finally {
      this.#live = undefined;
      // Task starts held back to share a statement with their outcome (see SqlJournal).
      journal.flush();
    }
    meta.set("wake_at", String(report.status === "suspended" ? (report.wakeAt ?? NEVER) : NEVER));
  }
}
