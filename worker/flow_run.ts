/**
 * One Durable Object per flow run. It holds the run's journal, logs and outbox in SQLite, runs
 * the executor in "suspend" mode, and uses its single alarm for everything that must happen
 * later: the scheduled start, sleeps, retry delays, resuming after eviction or a crash, and
 * retrying outbox deliveries. It is the source of truth for its run.
 *
 * @module
 */

import { DurableObject } from "cloudflare:workers";
import {
  Cancelling,
  type ChildRunOutcome,
  encode,
  foldJournal,
  type JournalEntry,
  type LogLevelName,
  Retrying,
  RunLifecycle,
  resolveHost,
  runCreation,
  systemClock,
} from "../runtime/mod.ts";
import { MAX_TIME_MS } from "./api/limits.ts";
import type { LogLine } from "./api/run_json.ts";
import type { WeirEnv } from "./env.ts";
import { LiveFeed } from "./live_feed.ts";
import type { FlowRegistry } from "./registry.ts";
import { runObject } from "./rpc.ts";
import { type RunDetail, runDetail, runGraph } from "./run_detail.ts";
import { RunOutbox } from "./run_outbox.ts";
import { D1CacheStore } from "./storage/d1_cache.ts";
import { R2ResultStore } from "./storage/r2_results.ts";
import { RunLogs } from "./storage/run_logs.ts";
import { RunMeta } from "./storage/run_meta.ts";
import { RunSequence } from "./storage/run_sequence.ts";
import { SqlJournal } from "./storage/sql_journal.ts";
import { SqlLogSink } from "./storage/sql_logs.ts";
import { durableSubflows } from "./subflows.ts";

/** What creating a run needs. Parameters must already be valid for the flow. */
export interface CreateRunRequest {
  readonly runId: string;
  readonly flowName: string;
  readonly params: unknown;
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly scheduledAt?: number;
  readonly idempotencyKey?: string;
  readonly deploymentId?: string;
  readonly parentRunId?: string;
  readonly parentStepId?: string;
  /** How the run starts if it is due now (see `WEIR_START_RUNS`); children inherit it. */
  readonly start?: StartMode;
  /** How long an inline start waits before answering (default {@link START_WAIT_MS}). */
  readonly startWaitMs?: number;
}

/** How a run that is due when created starts: in the create call, or by its alarm. */
export type StartMode = "inline" | "alarm";

/**
 * The start mode an environment asks for.
 *
 * @example
 * ```ts
 * stub.create({ ...request, start: startModeOf(env) });
 * ```
 */
export function startModeOf(env: { readonly WEIR_START_RUNS?: string }): StartMode {
  return env.WEIR_START_RUNS === "alarm" ? "alarm" : "inline";
}

/**
 * The start options an environment asks for: `WEIR_START_RUNS` and `WEIR_START_WAIT_MS`.
 *
 * @example
 * ```ts
 * stub.create({ ...request, ...startOptionsOf(env) });
 * ```
 */
export function startOptionsOf(env: {
  readonly WEIR_START_RUNS?: string;
  readonly WEIR_START_WAIT_MS?: string;
}): { start: StartMode; startWaitMs?: number } {
  const wait = Number(env.WEIR_START_WAIT_MS);
  return {
    start: startModeOf(env),
    ...(env.WEIR_START_WAIT_MS !== undefined && Number.isFinite(wait) && wait >= 0
      ? { startWaitMs: wait }
      : {}),
  };
}

/** A run's outcome, as a parent run needs it. */
export type ChildStatus = ChildRunOutcome;

/** Answer to a request that changes a run. */
export type RunChange =
  | { readonly ok: true; readonly run: RunDetail }
  | { readonly ok: false; readonly code: "not_found" | "conflict"; readonly message: string };

/** The wake time of a run that waits for nothing but a request (an event, a child, a retry). */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * While a run executes, the alarm is set this far ahead, so a run whose object dies mid-run
 * (a crash, an eviction, a restart) resumes from its journal this long after at most. While
 * it lives, each firing only pushes the watchdog on: one alarm per this much execution time.
 */
export const WATCHDOG_MS = 4_000;

/** How long creating a run due now waits for it to finish or suspend before answering. */
export const START_WAIT_MS = 20;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The flow-run Durable Object. Subclassed by `createWeirWorker` with the app's flows.
 *
 * @example
 * ```ts
 * const stub = runObject(env, (runId));
 * await stub.create({ runId, flowName: "cat-fact", params: {} });
 * ```
 */
export abstract class FlowRunObject extends DurableObject<WeirEnv> {
  protected abstract readonly registry: FlowRegistry;
  readonly #journal: SqlJournal;
  readonly #logs: SqlLogSink;
  /** Stored lines and the engine's lines rendered from the journal, as they are read. */
  readonly #lines: RunLogs;
  readonly #outbox: RunOutbox;
  readonly #meta: RunMeta;
  #live: RunLifecycle | undefined;
  #driving: Promise<void> | undefined;
  #again = false;
  /** How long an inline start waits; children started by this instance's run wait as long. */
  #startWaitMs = START_WAIT_MS;
  /** The alarm as this instance last set it; `undefined` when unknown (after a wake). */
  #alarmAt: number | undefined;
  readonly #feed: LiveFeed;

  constructor(ctx: DurableObjectState, env: WeirEnv) {
    super(ctx, env);
    this.#meta = new RunMeta(ctx.storage);
    // One sequence numbers journal rows and log lines: a line's cursor orders it among both.
    const sequence = new RunSequence(ctx.storage);
    this.#journal = new SqlJournal(
      ctx.storage,
      (runId, entries, firstSeq) => this.#onAppend(runId, entries, firstSeq),
      sequence,
    );
    this.#logs = new SqlLogSink(
      ctx.storage,
      (record, cursor) => {
        if (this.#feed.watched) this.#feed.send({ type: "log", log: { ...record, cursor } });
      },
      sequence,
    );
    this.#lines = new RunLogs(this.#journal, this.#logs, this.#meta);
    this.#outbox = new RunOutbox(ctx.storage, env, this.#journal, this.#meta);
    this.#feed = new LiveFeed(ctx);
  }

  // ——— RPC ———

  /** Creates the run (idempotent: a second call returns the existing run unchanged). */
  async create(request: CreateRunRequest): Promise<{ created: boolean; run: RunDetail }> {
    const existing = this.#meta.get("run_id");
    if (existing !== undefined) return { created: false, run: this.#detail() };
    this.#meta.ensureSchema();
    const flow = this.registry.get(request.flowName);
    if (flow === undefined) throw new Error(`Unknown flow '${request.flowName}'`);
    const now = Date.now();
    if (request.scheduledAt !== undefined && !(request.scheduledAt < MAX_TIME_MS)) {
      throw new RangeError(
        `scheduledAt ${request.scheduledAt} is past ${new Date(MAX_TIME_MS).toISOString()}, the latest a run can be scheduled`,
      );
    }
    const creation = runCreation(
      flow,
      request.runId,
      {
        params: request.params,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(request.tags === undefined ? {} : { tags: request.tags }),
        ...(request.scheduledAt === undefined ? {} : { scheduledAt: request.scheduledAt }),
        ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId }),
        ...(request.parentStepId === undefined ? {} : { parentStepId: request.parentStepId }),
      },
      now,
    );
    const startAt = Math.max(now, request.scheduledAt ?? now);
    const startNow = startAt <= now && request.start !== "alarm";
    // The alarm is set before the rows are written and with no await in between, so both are
    // committed together: a run is never stored without the alarm that starts or watches it.
    // A run due now starts below; its alarm is the watchdog that resumes it after a crash.
    const alarm = this.#setAlarm(startNow ? now + WATCHDOG_MS : startAt);
    try {
      this.ctx.storage.transactionSync(() => {
        this.#meta.set("run_id", request.runId);
        this.#meta.set("flow_name", request.flowName);
        this.#meta.set("wake_at", String(startAt));
        if (request.start === "alarm") this.#meta.set("start_mode", "alarm");
        if (request.idempotencyKey !== undefined)
          this.#meta.set("idempotency_key", request.idempotencyKey);
        if (request.deploymentId !== undefined)
          this.#meta.set("deployment_id", request.deploymentId);
        this.#journal.append(request.runId, creation.entries);
        for (const log of creation.logs) this.#logs.write(log);
      });
    } catch (error) {
      // Rolled back: forget what was kept in memory of the writes.
      this.#meta.forget();
      this.#outbox.forget();
      throw error;
    }
    await alarm;
    if (startNow) {
      // Started here rather than by the alarm: one event less per run, and a short run has
      // finished before this call answers, so its index row is written once, final.
      // A failure here is retried by the watchdog alarm, like one in an alarm-driven execution.
      const execution = this.#executeAndFlush(request.runId).catch((error: unknown) => {
        console.error(`weir: run ${request.runId} failed to execute; the alarm retries`, error);
      });
      if (request.startWaitMs !== undefined) this.#startWaitMs = request.startWaitMs;
      await Promise.race([execution, delay(this.#startWaitMs)]);
    }
    // Read-your-writes: the run is in the index before its creation is acknowledged.
    await this.#deliverIndex();
    return { created: true, run: this.#detail() };
  }

  /** Creates the run as a child (idempotent) and reports whether it has finished. */
  async startChild(request: CreateRunRequest): Promise<ChildStatus> {
    await this.create(request);
    return this.childStatus();
  }

  /** The run's outcome if it has finished. */
  childStatus(): ChildStatus {
    const runId = this.#meta.get("run_id");
    const record = foldJournal(runId === undefined ? [] : this.#journal.read(runId));
    const finished = record.finished;
    if (finished === undefined || record.state === undefined) return { status: "suspended" };
    return {
      status: "finished",
      state: record.state,
      ...(finished.value === undefined ? {} : { value: finished.value }),
      ...(finished.ref === undefined ? {} : { ref: finished.ref }),
      ...(finished.error === undefined ? {} : { error: finished.error }),
    };
  }

  /** The run's detail, or `undefined` when this object holds no run. */
  view(): RunDetail | undefined {
    return this.#meta.get("run_id") === undefined ? undefined : this.#detail();
  }

  /** The run graph for the UI. */
  graph(): ReturnType<typeof runGraph> | undefined {
    const detail = this.view();
    return detail === undefined ? undefined : runGraph(detail);
  }

  /** Log lines after a cursor. */
  logs(options: { after?: number; minLevel?: LogLevelName; limit?: number }): LogLine[] {
    if (!this.#meta.initialized) return [];
    return this.#lines.read(this.#meta.get("run_id") ?? "", options);
  }

  /** Requests cancellation; running tasks' signals abort; child runs are cancelled too. */
  async cancel(reason: string): Promise<RunChange> {
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return notFound();
    const record = foldJournal(this.#journal.read(runId));
    if (record.finished !== undefined) {
      return conflict(`Run '${runId}' has already finished in state ${record.state?.name}`);
    }
    if (this.#live !== undefined) {
      await this.#live.cancel(reason);
    } else if (record.cancel === undefined) {
      const at = Date.now();
      this.#journal.append(runId, [
        { type: "run.cancel", at, reason },
        { type: "run.state", at, state: Cancelling(at, { message: reason }) },
      ]);
      await this.#arm(at);
    }
    for (const step of record.steps.values()) {
      if (step.kind === "subflow" && step.childRunId !== undefined && step.outcome === undefined) {
        const child = runObject(this.env, step.childRunId);
        await child.cancel(`Parent run '${runId}' was cancelled`);
      }
    }
    return { ok: true, run: this.#detail() };
  }

  /** Runs a failed, crashed or cancelled run again from its failed steps; completed steps are kept. */
  async retry(): Promise<RunChange> {
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return notFound();
    const record = foldJournal(this.#journal.read(runId));
    const type = record.state?.type;
    const retryable = type === "FAILED" || type === "CANCELLED" || type === "CRASHED";
    if (!retryable || (record.finished === undefined && type !== "CRASHED")) {
      return conflict(
        `Run '${runId}' is ${record.state?.name ?? "new"}; only a failed, crashed or cancelled run can be retried`,
      );
    }
    const at = Date.now();
    this.#journal.append(runId, [
      { type: "run.retry", at, attempt: record.retries + 1 },
      { type: "run.state", at, state: Retrying(at, { message: "Retried by request" }) },
    ]);
    await this.#arm(at);
    return { ok: true, run: this.#detail() };
  }

  /** Sends an event; a `waitForEvent` for it, now or later, receives the payload. */
  async sendEvent(name: string, payload: unknown): Promise<RunChange> {
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return notFound();
    if (this.#live !== undefined) {
      await this.#live.sendEvent(name, payload);
    } else {
      const record = foldJournal(this.#journal.read(runId));
      if (record.finished !== undefined) {
        return conflict(`Run '${runId}' has already finished in state ${record.state?.name}`);
      }
      const at = Date.now();
      this.#journal.append(runId, [
        {
          type: "event.received",
          at,
          eventId: crypto.randomUUID(),
          name,
          payload: encode(payload),
        },
      ]);
      await this.#arm(at);
    }
    return { ok: true, run: this.#detail() };
  }

  /** A child run finished: wake up and replay so the parent sees its outcome. */
  async childFinished(_childRunId: string): Promise<void> {
    await this.#arm(Date.now());
  }

  // ——— Alarm and execution ———

  override async alarm(): Promise<void> {
    this.#alarmAt = undefined;
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return;
    if (this.#driving !== undefined) {
      // The watchdog of a run that is executing right here: the run is alive, so only push
      // the watchdog on. This is its heartbeat (one alarm per WATCHDOG_MS of execution).
      await this.#setAlarm(Date.now() + WATCHDOG_MS);
      return;
    }
    // wake_at says whether the run is due; a finished run's is "never" (see #executeOnce).
    const wakeAt = Number(this.#meta.get("wake_at") ?? "0");
    if (wakeAt <= Date.now()) await this.#drive(runId);
    await this.#flushAndRearm();
  }

  /** Executes the run (as the alarm would), then delivers what it owes and re-arms. */
  async #executeAndFlush(runId: string): Promise<void> {
    try {
      await this.#drive(runId);
    } finally {
      await this.#flushAndRearm();
    }
  }

  /** Delivers the outbox now, and makes sure the alarm retries what could not be delivered. */
  async #deliverIndex(): Promise<void> {
    const { retryAt } = await this.#outbox.deliver(Date.now());
    if (retryAt === undefined) return;
    const current = this.#alarmAt ?? (await this.ctx.storage.getAlarm());
    if (current === null || current > retryAt) await this.#setAlarm(retryAt);
  }

  /** Sets the alarm, remembering it so that unchanged re-arms cost nothing. */
  #setAlarm(at: number): Promise<void> {
    // Alarms stop in 2189; a run that sleeps longer is woken in 2100, finds itself not due
    // (wake_at holds the real time) and sleeps on.
    const clamped = Math.min(at, MAX_TIME_MS);
    this.#alarmAt = clamped;
    return this.ctx.storage.setAlarm(clamped);
  }

  /** Runs the executor until the run finishes or suspends; one execution at a time. */
  async #drive(runId: string): Promise<void> {
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
    const flowName = this.#meta.get("flow_name") ?? "";
    const flow = this.registry.get(flowName);
    if (flow === undefined) {
      this.#logs.write({
        runId,
        source: "weir.worker",
        level: "ERROR",
        message: `This Worker has no flow named '${flowName}'; the run waits until one is deployed`,
        timestamp: Date.now(),
      });
      // Not due again until poked (the cron sweep pokes stale runs), else the alarm would spin.
      this.#meta.set("wake_at", String(NEVER));
      return;
    }
    // If this object dies mid-run, the watchdog alarm resumes the run from its journal. An
    // alarm already set within the watchdog's reach (by create, or the last execution) does.
    const watchdog = Date.now() + WATCHDOG_MS;
    if (this.#alarmAt === undefined || this.#alarmAt > watchdog) await this.#setAlarm(watchdog);
    this.#meta.set("wake_at", String(watchdog));
    const limit = Number(this.env.WEIR_RESULT_INLINE_LIMIT ?? "131072");
    const host = resolveHost(
      {
        journal: this.#journal,
        clock: systemClock,
        cache: new D1CacheStore(this.env.DB),
        results: new R2ResultStore(this.env.RESULTS),
        logs: this.#logs,
        console: false,
        mode: "suspend",
        resultInlineLimit: Number.isFinite(limit) ? limit : 131072,
      },
      durableSubflows(this.env, {
        start: this.#meta.get("start_mode") === "alarm" ? "alarm" : "inline",
        startWaitMs: this.#startWaitMs,
      }),
    );
    const lifecycle = new RunLifecycle(flow, host, runId, undefined);
    this.#live = lifecycle;
    let report: Awaited<ReturnType<RunLifecycle["run"]>>;
    try {
      report = await lifecycle.run();
    } finally {
      this.#live = undefined;
      // Task starts held back to share a statement with their outcome (see SqlJournal).
      this.#journal.flush();
    }
    if (report.status === "suspended") {
      this.#meta.set("wake_at", String(report.wakeAt ?? NEVER));
      return;
    }
    this.#meta.set("wake_at", String(NEVER));
  }

  async #flushAndRearm(): Promise<void> {
    const { retryAt } = await this.#outbox.deliver(Date.now());
    const wakeAt = Number(this.#meta.get("wake_at") ?? String(NEVER));
    const candidates = [retryAt, wakeAt].filter((t): t is number => t !== undefined && t < NEVER);
    if (candidates.length === 0) {
      this.#alarmAt = undefined;
      await this.ctx.storage.deleteAlarm();
    }
    // An outbox row added during the flush is due at 0 ("now"); alarms must be in the future
    // or now, never at epoch 0.
    else await this.#setAlarm(Math.max(Date.now(), Math.min(...candidates)));
  }

  /** Makes the run due at `at` and arms the alarm no later than that. */
  async #arm(at: number): Promise<void> {
    // A wake-up that arrives mid-execution must not be overwritten when that execution ends.
    if (this.#driving !== undefined) this.#again = true;
    this.#meta.set("wake_at", String(at));
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.#setAlarm(at);
  }

  // ——— Journal side effects: outbox and live feed ———

  #onAppend(runId: string, entries: readonly JournalEntry[], firstSeq: number): void {
    if (this.#feed.watched) {
      this.#feed.send({ type: "journal", runId, entries });
      // The engine's lines for these entries, which are rendered rather than stored.
      for (const log of this.#lines.appended(runId, entries, firstSeq)) {
        this.#feed.send({ type: "log", log });
      }
    } else {
      this.#lines.unwatched();
    }
    // While the run executes, its index row follows within DELIVER_WITHIN_MS.
    if (this.#outbox.noteAppended(runId, entries) && this.#driving !== undefined) {
      this.#outbox.deliverSoon();
    }
  }

  // ——— Live feed (WebSocket, hibernation API) ———

  override async fetch(request: Request): Promise<Response> {
    return this.#feed.accept(request, () => ({ type: "snapshot", run: this.view() ?? null }));
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    if (message === "snapshot")
      ws.send(JSON.stringify({ type: "snapshot", run: this.view() ?? null }));
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    this.#feed.closed(ws, code);
  }

  override webSocketError(ws: WebSocket): void {
    this.#feed.dropped(ws);
  }

  // ——— Helpers ———

  #detail(): RunDetail {
    return runDetail(this.#journal.read(this.#meta.get("run_id") ?? ""));
  }
}

function notFound(): RunChange {
  return { ok: false, code: "not_found", message: "No such run" };
}

function conflict(message: string): RunChange {
  return { ok: false, code: "conflict", message };
}
