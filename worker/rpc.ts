/**
 * The flow-run object's RPC surface, as callers see it. Workers' generated stub types recurse
 * through every result type (and give up on recursive JSON types), so callers use this plain
 * interface; `FlowRunObject` declares that it implements it, which the compiler checks.
 *
 * @module
 */

import type { LeaseState, RemoteRunStarted, RunLease } from "../protocol/remote_run.ts";
import type {
  ChildRunOutcome,
  JournalEntry,
  LogLevelName,
  LogRecord,
  RunSlot,
} from "../runtime/host.ts";
import type { LogLine } from "./api/run_json.ts";
import type { WeirEnv } from "./env.ts";
import type { RemoteAnswer, StartRemoteRequest } from "./remote_run.ts";
import type { RunDetail, RunGraph } from "./run_detail.ts";
import type { StartMode } from "./start_options.ts";

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
  /** The deployment schedule that created the run (the scheduler's runs); see worker/scheduler/. */
  readonly scheduleId?: string;
  readonly parentRunId?: string;
  readonly parentStepId?: string;
  /** How the run starts if it is due now (see `WEIR_START_RUNS`); children inherit it. */
  readonly start?: StartMode;
  /** How long an inline start waits before answering (default `START_WAIT_MS`). */
  readonly startWaitMs?: number;
  /**
   * The run's own slots (a deployment's concurrency limit, keyed or not), journaled with its
   * creation and acquired before it starts; see `RunSlot`.
   */
  readonly slots?: readonly RunSlot[];
}

/** A run's outcome, as a parent run needs it. */
export type ChildStatus = ChildRunOutcome;

/** Answer to a request that changes a run. */
export type RunChange =
  | { readonly ok: true; readonly run: RunDetail }
  | { readonly ok: false; readonly code: "not_found" | "conflict"; readonly message: string };

/** What `discard()` answers: whether the run was deleted, and why not when it was not. */
export type DiscardResult =
  | { readonly discarded: true }
  | { readonly discarded: false; readonly reason: "no-run" | "started" };

/**
 * What `markLate()` answers: `late` (marked Late now, and due at once), `not-late` (its time
 * is less than LATE_AFTER_MS ago, or ahead), `started` (it has started or finished, or is not
 * a scheduled run), `no-run` (the object holds no run).
 */
export type MarkLateResult = "late" | "not-late" | "started" | "no-run";

/** What a caller can ask of a run's Durable Object. */
export interface FlowRunRpc {
  create(request: CreateRunRequest): Promise<{ created: boolean; run: RunDetail }>;
  startChild(request: CreateRunRequest): Promise<ChildStatus>;
  childStatus(): Promise<ChildStatus>;
  view(): Promise<RunDetail | undefined>;
  graph(): Promise<RunGraph | undefined>;
  logs(options: { after?: number; minLevel?: LogLevelName; limit?: number }): Promise<LogLine[]>;
  cancel(reason: string): Promise<RunChange>;
  retry(): Promise<RunChange>;
  sendEvent(name: string, payload: unknown): Promise<RunChange>;
  childFinished(childRunId: string): Promise<void>;
  poke(): Promise<boolean>;
  discard(): Promise<DiscardResult>;
  markLate(): Promise<MarkLateResult>;
  /**
   * A concurrency limit granted lease `leaseId` to this run: hands it to the execution in
   * progress, or wakes the run. Answers false when the run no longer wants it (it finished,
   * or released the request), and the limit frees it.
   */
  slotGranted(leaseId: string): Promise<boolean>;
  /** Whether the run still holds lease `leaseId` (asked by the limit when the lease expires). */
  confirmLease(leaseId: string): Promise<boolean>;
  /**
   * Remote runs (executed outside the Worker; see worker/remote_run.ts): creates one from its
   * creation entries with `holder` holding its lease at epoch 1 (idempotent for that holder).
   */
  startRemote(request: StartRemoteRequest): Promise<RemoteAnswer<RemoteRunStarted>>;
  /** Takes a remote run's lease if it is free or expired (epoch + 1). */
  claimLease(holder: string, ttlMs?: number): Promise<RemoteAnswer<RunLease>>;
  /** Extends the lease of `epoch`; `lease_lost` once it is stale or expired. */
  renewLease(epoch: number, ttlMs?: number): Promise<RemoteAnswer<LeaseState>>;
  /** Gives the lease of `epoch` back (answers `released: false` when it was already lost). */
  releaseLease(epoch: number): Promise<RemoteAnswer<{ released: boolean }>>;
  /** Appends entries and log lines atomically under the lease of `epoch`, extending it. */
  appendRemote(
    epoch: number,
    entries: readonly JournalEntry[],
    logs?: readonly LogRecord[],
  ): Promise<RemoteAnswer<LeaseState>>;
  /** The run's journal (any run), or `undefined` when the object holds no run. */
  journalEntries(): Promise<JournalEntry[] | undefined>;
  fetch(request: Request): Promise<Response>;
}

/**
 * What the object itself must offer for callers to see {@link FlowRunRpc}: each method, sync
 * or async (a stub makes every call a promise).
 *
 * @example
 * ```ts
 * class FlowRunObject extends DurableObject implements Served<FlowRunRpc> {}
 * ```
 */
export type Served<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R | Promise<R>
    : T[K];
};

/**
 * The stub of the object that holds run `runId`.
 *
 * @example
 * ```ts
 * const run = await runObject(env, runId).view();
 * ```
 */
export function runObject(env: WeirEnv, runId: string): FlowRunRpc {
  return env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(runId)) as unknown as FlowRunRpc;
}
