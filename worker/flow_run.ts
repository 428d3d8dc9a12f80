/**
 * One Durable Object per flow run. It holds the run's journal, logs and outbox in SQLite, runs
 * the executor in "suspend" mode, and uses its single alarm for everything that must happen
 * later: the scheduled start, sleeps, retry delays, resuming after eviction or a crash, and
 * retrying outbox deliveries. It is the source of truth for its run.
 *
 * @module
 */

import { DurableObject } from "cloudflare:workers";
import { MISSED_AFTER_MS } from "../protocol/deployment.ts";
import type { LeaseState, RemoteRunStarted, RunLease } from "../protocol/remote_run.ts";
import {
  Cancelling,
  encode,
  foldJournal,
  type JournalEntry,
  type LogLevelName,
  type LogRecord,
  Retrying,
  runCreation,
} from "../runtime/host.ts";
import { timeProblem } from "./api/limits.ts";
import type { LogLine } from "./api/run_json.ts";
import type { WeirEnv } from "./env.ts";
import { RunLeases } from "./limits/leases.ts";
import { releaseAll } from "./limits/run_port.ts";
import { LiveFeed } from "./live_feed.ts";
import type { FlowRegistry } from "./registry.ts";
import { type RemoteAnswer, RemoteRun, type StartRemoteRequest } from "./remote_run.ts";
import {
  type ChildStatus,
  type CreateRunRequest,
  type DiscardResult,
  type FlowRunRpc,
  type MarkLateResult,
  type RunChange,
  runObject,
  type Served,
} from "./rpc.ts";
import { delay, RunAlarm, WATCHDOG_MS } from "./run_alarm.ts";
import { type RunDetail, runDetail, runGraph } from "./run_detail.ts";
import { NEVER, RunDriver } from "./run_driver.ts";
import { RunOutbox } from "./run_outbox.ts";
import { decideMissedRun } from "./scheduler/catch_up.ts";
import { asScheduled, isLate, lateEntry, skippedEntries } from "./scheduler/late.ts";
import { RunLogs } from "./storage/run_logs.ts";
import { RunMeta } from "./storage/run_meta.ts";
import { RunSequence } from "./storage/run_sequence.ts";
import { SqlJournal } from "./storage/sql_journal.ts";
import { SqlLogSink } from "./storage/sql_logs.ts";

/** An alarm this far past its time counts as lost: workerd fires due alarms within seconds. */
const POKE_OVERDUE_MS = 60_000;

/**
 * The flow-run Durable Object. Subclassed by `createWeirWorker` with the app's flows.
 *
 * @example
 * ```ts
 * const stub = runObject(env, (runId));
 * await stub.create({ runId, flowName: "cat-fact", params: {} });
 * ```
 */
export abstract class FlowRunObject extends DurableObject<WeirEnv> implements Served<FlowRunRpc> {
  protected abstract readonly registry: FlowRegistry;
  // Set by #open(), again after a discard has emptied the storage they read.
  #journal!: SqlJournal;
  #logs!: SqlLogSink;
  /** Stored lines and the engine's lines rendered from the journal, as they are read. */
  #lines!: RunLogs;
  #outbox!: RunOutbox;
  #meta!: RunMeta;
  #alarm!: RunAlarm;
  #driver!: RunDriver;
  #leases!: RunLeases;
  /** A run executed outside the Worker: never driven here (see remote_run.ts). */
  #remote!: RemoteRun;
  readonly #feed: LiveFeed;
  /** A scheduled run's start is being decided (Late, catch-up): it may not be discarded. */
  #starting = false;

  constructor(ctx: DurableObjectState, env: WeirEnv) {
    super(ctx, env);
    this.#feed = new LiveFeed(ctx);
    this.#open();
  }

  /** Builds the storage adapters and the driver over the object's storage, as it is now. */
  #open(): void {
    const { ctx, env } = this;
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
    this.#alarm = new RunAlarm(ctx.storage);
    this.#leases = new RunLeases(ctx.storage);
    this.#driver = new RunDriver({
      leases: this.#leases,
      env,
      meta: this.#meta,
      journal: this.#journal,
      logs: this.#logs,
      alarm: this.#alarm,
      flow: (name) => this.registry.get(name),
    });
    this.#remote = new RemoteRun({
      storage: ctx.storage,
      meta: this.#meta,
      journal: this.#journal,
      logs: this.#logs,
      forget: () => this.#outbox.forget(),
      deliver: () => this.#deliverIndex(),
    });
  }

  // ——— RPC ———

  /** Creates the run (idempotent: a second call returns the existing run unchanged). */
  async create(request: CreateRunRequest): Promise<{ created: boolean; run: RunDetail }> {
    // Finding the subflows of the registered flows takes microtasks only, so it is done before
    // any event reaches the object; waiting for it here costs nothing and makes that explicit.
    // It comes first: from the check below to the write, nothing may interleave.
    await this.registry.ready();
    const existing = this.#meta.get("run_id");
    if (existing !== undefined) return { created: false, run: this.#detail() };
    this.#meta.ensureSchema();
    const flow = this.registry.get(request.flowName);
    if (flow === undefined) {
      throw new Error(
        `Unknown flow '${request.flowName}': add it to createWeirWorker({ flows: [...] }). A subflow is registered with its parent only when a drawing of the parent's body reaches the call (not behind a branch on a task's result).`,
      );
    }
    const now = Date.now();
    // The API refuses such a time with a 422; this guards every other caller.
    const timeError =
      request.scheduledAt === undefined ? undefined : timeProblem(request.scheduledAt);
    if (timeError !== undefined) throw new RangeError(`scheduledAt ${timeError}`);
    let creation = runCreation(
      flow,
      request.runId,
      {
        params: request.params,
        ...(request.name === undefined ? {} : { name: request.name }),
        ...(request.tags === undefined ? {} : { tags: request.tags }),
        ...(request.scheduledAt === undefined ? {} : { scheduledAt: request.scheduledAt }),
        ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId }),
        ...(request.parentStepId === undefined ? {} : { parentStepId: request.parentStepId }),
        ...(request.slots === undefined ? {} : { slots: request.slots }),
      },
      now,
    );
    // A scheduler's run for a time already past stays a scheduled run (see asScheduled).
    if (
      request.scheduleId !== undefined &&
      request.scheduledAt !== undefined &&
      request.scheduledAt <= now
    ) {
      creation = { ...creation, entries: asScheduled(creation.entries, request.scheduledAt) };
    }
    const scheduledAt = creation.entries.find((e) => e.type === "run.created")?.run.scheduledAt;
    const startAt = Math.max(now, request.scheduledAt ?? now);
    const startNow = startAt <= now && request.start !== "alarm";
    // The alarm is set before the rows are written and with no await in between, so both are
    // committed together: a run is never stored without the alarm that starts or watches it.
    // A run due now starts below; its alarm is the watchdog that resumes it after a crash.
    const alarm = this.#alarm.set(startNow ? now + WATCHDOG_MS : startAt);
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
        if (request.scheduleId !== undefined) this.#meta.set("schedule_id", request.scheduleId);
        if (scheduledAt !== undefined) this.#meta.set("awaiting_start", String(scheduledAt));
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
      if (request.startWaitMs !== undefined) this.#driver.startWaitMs = request.startWaitMs;
      await Promise.race([execution, delay(this.#driver.startWaitMs)]);
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

  // ——— Remote runs (executed outside the Worker; see remote_run.ts) ———

  /** Creates a remote run from its creation entries and gives `holder` its lease. */
  startRemote(request: StartRemoteRequest): Promise<RemoteAnswer<RemoteRunStarted>> {
    return this.#remote.start(request);
  }

  claimLease(holder: string, ttlMs?: number): RemoteAnswer<RunLease> {
    return this.#remote.claim(holder, ttlMs);
  }

  renewLease(epoch: number, ttlMs?: number): RemoteAnswer<LeaseState> {
    return this.#remote.renew(epoch, ttlMs);
  }

  releaseLease(epoch: number): RemoteAnswer<{ released: boolean }> {
    return this.#remote.release(epoch);
  }

  appendRemote(
    epoch: number,
    entries: readonly JournalEntry[],
    logs?: readonly LogRecord[],
  ): Promise<RemoteAnswer<LeaseState>> {
    return this.#remote.append(epoch, entries, logs);
  }

  journalEntries(): JournalEntry[] | undefined {
    return this.#remote.entries();
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
    if (this.#driver.live !== undefined) {
      await this.#driver.live.cancel(reason);
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
    if (this.#remote.active) {
      return conflict(
        `Run '${runId}' executes outside this Worker; the process that runs it retries it`,
      );
    }
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
    if (this.#driver.live !== undefined) {
      await this.#driver.live.sendEvent(name, payload);
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

  /**
   * The sweep's check on a run that has not changed for a while: it is only woken when its
   * alarm is gone or long overdue (lost). A run asleep, waiting out a retry delay or waiting
   * for a child has its alarm set and is left alone, so a long sleep is not replayed each
   * minute. Answers whether it was woken.
   */
  async poke(): Promise<boolean> {
    if (this.#meta.get("run_id") === undefined || this.#remote.active) return false;
    const at = await this.ctx.storage.getAlarm();
    const now = Date.now();
    if (at !== null && at > now - POKE_OVERDUE_MS) return false;
    // Set, not `#arm`: the alarm this object remembers setting is the one that was lost.
    this.#driver.wakeAgain();
    this.#meta.set("wake_at", String(now));
    await this.#alarm.set(now);
    return true;
  }

  /**
   * Deletes the run if it has not started (a scheduled run of a paused deployment or a changed
   * schedule): its storage, its alarm and its index row. One that has started is kept. An
   * object runs one event at a time, so its own alarm cannot start the run meanwhile.
   */
  async discard(): Promise<DiscardResult> {
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return { discarded: false, reason: "no-run" };
    if (!this.#unstarted(runId)) return { discarded: false, reason: "started" };
    // No await between the check and the deletes but the deletes themselves, which hold the
    // object's input gate: nothing else runs in between.
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#open();
    try {
      await this.env.DB.prepare("DELETE FROM runs WHERE id = ?").bind(runId).run();
    } catch (error) {
      // The tick's late pass deletes an index row whose object holds no run.
      console.error(`weir: discarded run ${runId}; deleting its index row failed`, error);
    }
    return { discarded: true };
  }

  /**
   * The tick found the run still Scheduled in the index after its time: marks it Late and
   * makes it due now (its alarm may have been lost); its start applies the catch-up policy.
   */
  async markLate(): Promise<MarkLateResult> {
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return "no-run";
    const awaiting = this.#meta.get("awaiting_start");
    if (awaiting === undefined || !this.#unstarted(runId)) return "started";
    const now = Date.now();
    if (!isLate(Number(awaiting), now)) return "not-late";
    const state = foldJournal(this.#journal.read(runId)).state;
    if (state?.name === "Scheduled")
      this.#journal.append(runId, [lateEntry(now, Number(awaiting))]);
    // Set outright: the alarm this instance remembers may be the one that was lost.
    this.#meta.set("wake_at", String(now));
    await this.#alarm.set(now);
    await this.#deliverIndex();
    return "late";
  }

  /**
   * A concurrency limit granted this run lease `leaseId` (see FlowRunRpc.slotGranted): the
   * execution in progress takes it, or the run is woken, at once rather than by its alarm.
   */
  async slotGranted(leaseId: string): Promise<boolean> {
    const runId = this.#meta.get("run_id");
    if (runId === undefined || this.#leases.get(leaseId) === undefined) return false;
    const live = this.#driver.live;
    if (live !== undefined && (await live.grantSlot(leaseId))) return true;
    await this.#arm(Date.now());
    if (!this.#driver.executing) {
      // Started here, not by the alarm (which stays as the watchdog): the hand-off from one
      // holder to the next waiter is then one RPC and one execution, with no alarm between.
      this.#executeAndFlush(runId).catch((error: unknown) => {
        console.error(
          `weir: run ${runId} failed to resume after a grant; the alarm retries`,
          error,
        );
      });
    }
    return true;
  }

  /**
   * Whether the run still holds lease `leaseId`: a task run's (`step`) lease only while this
   * object executes the run, a run's or a group's (`run`) lease until it is given back (rows
   * go when the run finishes).
   */
  confirmLease(leaseId: string): boolean {
    if (this.#meta.get("run_id") === undefined) return false;
    const row = this.#leases.get(leaseId);
    if (row === undefined) return false;
    return row.scope === "run" || this.#driver.executing;
  }

  /** Whether the run is a scheduled run that has not started (nor is starting). */
  #unstarted(runId: string): boolean {
    if (this.#driver.executing || this.#starting) return false;
    if (this.#meta.get("awaiting_start") === undefined) return false;
    const record = foldJournal(this.#journal.read(runId));
    return (
      record.finished === undefined &&
      record.cancel === undefined &&
      record.state?.type === "SCHEDULED" &&
      !record.states.some((s) => s.type === "RUNNING")
    );
  }

  /**
   * Before a scheduled run first executes: marks it Late if it starts more than LATE_AFTER_MS
   * after its time, and, when it was missed (MISSED_AFTER_MS), asks its deployment's catch-up
   * policy, which may end it as Skipped. Resolves to whether the run goes on to execute.
   */
  async #beforeStart(runId: string): Promise<boolean> {
    const awaiting = this.#meta.get("awaiting_start");
    if (awaiting === undefined) return true;
    const scheduledAt = Number(awaiting);
    const now = Date.now();
    if (now < scheduledAt) return true; // woken for something else (a cancel): not its start
    const record = foldJournal(this.#journal.read(runId));
    if (
      record.finished !== undefined ||
      record.cancel !== undefined ||
      record.state?.type !== "SCHEDULED"
    ) {
      this.#meta.delete("awaiting_start");
      return true;
    }
    const entries: JournalEntry[] = [];
    if (record.state.name === "Scheduled" && isLate(scheduledAt, now)) {
      entries.push(lateEntry(now, scheduledAt));
    }
    const deploymentId = this.#meta.get("deployment_id");
    const scheduleId = this.#meta.get("schedule_id");
    let skipped: string | undefined;
    if (
      now - scheduledAt > MISSED_AFTER_MS &&
      deploymentId !== undefined &&
      scheduleId !== undefined
    ) {
      this.#starting = true;
      try {
        const verdict = await decideMissedRun(this.env.DB, {
          deploymentId,
          scheduleId,
          scheduledAt,
          nowMs: now,
        });
        if (!verdict.run) skipped = verdict.message ?? "Skipped by the catch-up policy";
      } finally {
        this.#starting = false;
      }
      // A cancel may have arrived while D1 answered: then the executor ends the run instead.
      const again = foldJournal(this.#journal.read(runId));
      if (again.finished !== undefined || again.cancel !== undefined) skipped = undefined;
    }
    const at = Date.now();
    if (skipped !== undefined) entries.push(...skippedEntries(at, skipped));
    this.ctx.storage.transactionSync(() => {
      if (entries.length > 0) this.#journal.append(runId, entries);
      this.#meta.delete("awaiting_start");
      if (skipped !== undefined) this.#meta.set("wake_at", String(NEVER));
    });
    return skipped === undefined;
  }

  /** Executes the run, first deciding a scheduled run's start (see #beforeStart). */
  async #drive(runId: string): Promise<void> {
    if (await this.#beforeStart(runId)) await this.#driver.drive(runId);
  }

  // ——— Alarm and execution ———

  override async alarm(): Promise<void> {
    this.#alarm.fired();
    const runId = this.#meta.get("run_id");
    if (runId === undefined) return;
    // A remote run is executed by its lease holder: its alarm only delivers the outbox.
    if (this.#remote.active) return this.#flushAndRearm();
    if (this.#driver.executing) {
      // The watchdog of a run that is executing right here: the run is alive, so only push
      // the watchdog on. This is its heartbeat (one alarm per WATCHDOG_MS of execution).
      await this.#alarm.set(Date.now() + WATCHDOG_MS);
      return;
    }
    // wake_at says whether the run is due; a finished run's is "never" (see RunDriver).
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
    if (retryAt !== undefined) await this.#alarm.noLaterThan(retryAt);
  }

  async #flushAndRearm(): Promise<void> {
    const { retryAt } = await this.#outbox.deliver(Date.now());
    const wakeAt = Number(this.#meta.get("wake_at") ?? String(NEVER));
    // A finished run gives back every slot it still holds or waits for.
    const releaseAt =
      wakeAt >= NEVER && !this.#driver.executing && this.#finished()
        ? await releaseAll(this.env, this.#leases)
        : undefined;
    const candidates = [retryAt, wakeAt, releaseAt].filter(
      (t): t is number => t !== undefined && t < NEVER,
    );
    if (candidates.length === 0) await this.#alarm.clear();
    // An outbox row added during the flush is due at 0 ("now"); alarms must be in the future
    // or now, never at epoch 0.
    else await this.#alarm.set(Math.max(Date.now(), Math.min(...candidates)));
  }

  /** Makes the run due at `at` and arms the alarm no later than that. */
  async #arm(at: number): Promise<void> {
    // Nothing to wake in a remote run: what was journaled reaches the index and its holder.
    if (this.#remote.active) return this.#deliverIndex();
    // A wake-up that arrives mid-execution must not be overwritten when that execution ends.
    this.#driver.wakeAgain();
    this.#meta.set("wake_at", String(at));
    await this.#alarm.noLaterThan(at);
  }

  // ——— Journal side effects: outbox and live feed ———

  #onAppend(runId: string, entries: readonly JournalEntry[], firstSeq: number): void {
    this.#remote.noteAppended(entries);
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
    if (this.#outbox.noteAppended(runId, entries) && this.#driver.executing) {
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

  /** Whether the run has finished (read only when its lease rows may need giving back). */
  #finished(): boolean {
    const runId = this.#meta.get("run_id");
    if (runId === undefined || this.#leases.all().length === 0) return false;
    return foldJournal(this.#journal.read(runId)).finished !== undefined;
  }

  #detail(): RunDetail {
    return runDetail(this.#journal.read(this.#meta.get("run_id") ?? ""), {
      deploymentId: this.#meta.get("deployment_id"),
      scheduleId: this.#meta.get("schedule_id"),
    });
  }
}

function notFound(): RunChange {
  return { ok: false, code: "not_found", message: "No such run" };
}

function conflict(message: string): RunChange {
  return { ok: false, code: "conflict", message };
}
