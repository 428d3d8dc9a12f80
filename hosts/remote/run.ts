/**
 * Running a flow in this process while its run lives on a Weir server: the run's journal and
 * logs go to the run's Durable Object through the API, fenced by a lease, so the run appears in
 * the server's UI and CLI as it happens, and another process can resume it from its journal
 * once this one's lease has expired.
 *
 * - {@link runOnServer}: creates the run on the server and runs it here; resolves to the
 *   result as `flow.run` does. {@link startOnServer} does the same and answers a handle.
 * - {@link resumeOnServer}: takes over the lease of an existing remote run (free or expired)
 *   and resumes it from the server's journal: steps already journaled are not run again.
 *
 * @module
 */

import { DEFAULT_REMOTE_LEASE_MS, type RunLease } from "../../protocol/remote_run.ts";
import {
  CancelledError,
  type Clock,
  ConsoleLogSink,
  EngineLines,
  type FinalState,
  type Flow,
  type Journal,
  type JournalEntry,
  type LogLevelName,
  type RunHandle,
  randomUUID,
  runCreation,
  systemClock,
} from "../../runtime/host.ts";
import { RemoteApi, type RemoteApiOptions } from "./api.ts";
import { AppendBatcher, type BatcherStats } from "./batcher.ts";
import { RemoteCacheStore } from "./cache.ts";
import { echoEngineLines, printLines } from "./console_lines.ts";
import { type AppendAck, RemoteJournal } from "./journal.ts";
import { LeaseKeeper } from "./lease.ts";
import { RemoteLogSink } from "./logs.ts";
import { RemoteResultStore } from "./results.ts";

/**
 * How a remote run reaches its server and executes here.
 *
 * @example
 * ```ts
 * const options: RemoteRunOptions = { url: "http://127.0.0.1:8787", holder: "laptop-1", ack: "stored" };
 * ```
 */
export interface RemoteRunOptions extends RemoteApiOptions {
  /** Who holds the lease, shown by the server. Default: `process-<random>`. */
  readonly holder?: string;
  /** The lease's time to live (ms); renewed every third of it. Default 30 s. */
  readonly ttlMs?: number;
  /** When a journal append resolves (see journal.ts). Default `"buffered"`. */
  readonly ack?: AppendAck;
  /** How long a batch waits for more writes (ms). Default 5. */
  readonly lingerMs?: number;
  /** Print Prefect-style lines here too: `true` (INFO), a minimum level, or `false`. Default true. */
  readonly console?: boolean | LogLevelName;
  /** Aborting it cancels the run (as `RunHandle.cancel`). */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Results whose JSON is larger than this many bytes go to the result store. */
  readonly resultInlineLimit?: number;
}

/**
 * {@link RemoteRunOptions} plus what a new run is created with.
 *
 * @example
 * ```ts
 * await runOnServer(etl, { day: "2026-01-01" }, { name: "backfill-jan", tags: ["backfill"] });
 * ```
 */
export interface StartOnServerOptions extends RemoteRunOptions {
  /** Default: a random UUID. */
  readonly runId?: string;
  /** Overrides the flow's `runName`. */
  readonly name?: string;
  readonly tags?: readonly string[];
}

/**
 * A run executing in this process with its journal on the server.
 *
 * @example
 * ```ts
 * const run = await startOnServer(etl, params);
 * console.log(`View at ${run.url}`);
 * console.log(await run.result());
 * ```
 */
export interface RemoteRun<R> {
  readonly runId: string;
  /** The run's page: `<server>/runs/<id>`. */
  readonly url: string;
  /** The lease as last renewed. */
  readonly lease: RunLease;
  /** The in-process handle (events, the execution report). */
  readonly handle: RunHandle<R>;
  /** Requests and entries sent so far. */
  readonly stats: BatcherStats;
  /**
   * Resolves to the result once the run completed and its journal is stored on the server;
   * rejects with `FlowRunError` when it did not complete, and with {@link LeaseLostError} when
   * this process lost the run to another holder.
   */
  result(): Promise<R>;
  /** The final state (the journal stored first); rejects as {@link result} on a lost lease. */
  finalState(): Promise<FinalState<R>>;
  /** Resolves once the execution has stopped, everything is sent and the lease released. */
  readonly done: Promise<void>;
  /** Cancels the run: state Cancelling, tasks' signals abort, then Cancelled. */
  cancel(reason?: string): Promise<void>;
}

/**
 * Runs a flow in this process with its run recorded on a Weir server (the Prefect
 * `PREFECT_API_URL` behaviour): the run appears in the server's UI and CLI with its steps and
 * logs while it runs. Resolves to the flow's result as `flow.run` does.
 *
 * @example
 * ```ts
 * const fact = await runOnServer(catFact, { url: "https://catfact.ninja/fact" }, { url: "http://127.0.0.1:8787" });
 * ```
 */
export async function runOnServer<PIn, R, POut>(
  flow: Flow<PIn, R, POut>,
  params: PIn,
  options: StartOnServerOptions = {},
): Promise<R> {
  return (await startOnServer(flow, params, options)).result();
}

/**
 * Creates the run on the server (its creation entries from `runCreation`, with this process
 * holding the lease) and starts executing it here.
 *
 * @example
 * ```ts
 * const run = await startOnServer(etl, params, { holder: "laptop-1" });
 * await run.cancel("changed my mind");
 * ```
 */
export async function startOnServer<PIn, R, POut>(
  flow: Flow<PIn, R, POut>,
  params: PIn,
  options: StartOnServerOptions = {},
): Promise<RemoteRun<R>> {
  const api = new RemoteApi(options);
  const grantedAt = Date.now();
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const creation = runCreation(
    flow,
    runId,
    {
      params,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
    },
    clock.now(),
  );
  const started = await api.startRun({
    runId,
    flowName: flow.flowName,
    holder: options.holder ?? defaultHolder(),
    ttlMs: options.ttlMs ?? DEFAULT_REMOTE_LEASE_MS,
    entries: creation.entries,
    ...(creation.logs.length === 0 ? {} : { logs: creation.logs }),
  });
  const consoleSink = consoleOf(options);
  if (consoleSink !== undefined && started.created) {
    printLines(new EngineLines(runId), creation.entries, consoleSink);
    for (const line of creation.logs) consoleSink.write(line);
  }
  // An idempotent repeat may find more in the journal than the creation: read it then.
  const known = started.created ? creation.entries : await api.readJournal(runId);
  return execute(flow, api, started.lease, known, grantedAt, options);
}

/**
 * Takes the lease of a remote run (free, or expired after its holder died) and resumes it here
 * from the server's journal: steps whose outcome is journaled are not run again.
 *
 * @example
 * ```ts
 * const run = await resumeOnServer(etl, runId, { holder: "worker-2" });
 * const result = await run.result();
 * ```
 */
export async function resumeOnServer<PIn, R, POut>(
  flow: Flow<PIn, R, POut>,
  runId: string,
  options: RemoteRunOptions = {},
): Promise<RemoteRun<R>> {
  const api = new RemoteApi(options);
  const grantedAt = Date.now();
  const lease = await api.claimLease(runId, {
    holder: options.holder ?? defaultHolder(),
    ttlMs: options.ttlMs ?? DEFAULT_REMOTE_LEASE_MS,
  });
  const entries = await api.readJournal(runId);
  return execute(flow, api, lease, entries, grantedAt, options);
}

function execute<PIn, R, POut>(
  flow: Flow<PIn, R, POut>,
  api: RemoteApi,
  lease: RunLease,
  entries: readonly JournalEntry[],
  grantedAt: number,
  options: RemoteRunOptions,
): RemoteRun<R> {
  const runId = lease.runId;
  const ttlMs = options.ttlMs ?? DEFAULT_REMOTE_LEASE_MS;
  let handle: RunHandle<R> | undefined;
  const cancel = (reason: string) => handle?.cancel(reason).catch(() => {});
  // Cancellation asked through the API is in the server's journal already: the execution only
  // has to stop, as the runtime stops a run whose host signal aborts with a CancelledError.
  const cancelled = new AbortController();
  const keeper = new LeaseKeeper(api, lease, {
    ttlMs,
    grantedAt,
    onCancel: () => cancelled.abort(new CancelledError("Cancellation requested through the API")),
  });
  const batcher = new AppendBatcher(api, runId, keeper, {
    length: entries.length,
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
  });
  const consoleSink = consoleOf(options);
  let journal: Journal = new RemoteJournal(api, batcher, {
    entries,
    ...(options.ack === undefined ? {} : { ack: options.ack }),
  });
  if (consoleSink !== undefined) journal = echoEngineLines(journal, runId, consoleSink);
  handle = flow.resume(runId, {
    journal,
    logs: new RemoteLogSink(batcher, { echo: consoleSink }),
    cache: new RemoteCacheStore(api),
    results: new RemoteResultStore(api),
    signal: AbortSignal.any([keeper.signal, cancelled.signal]),
    console: false,
    mode: "wait",
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.resultInlineLimit === undefined
      ? {}
      : { resultInlineLimit: options.resultInlineLimit }),
  });
  keeper.start();
  const userSignal = options.signal;
  const onAbort = () => void cancel(String(userSignal?.reason ?? "Cancelled by request"));
  if (userSignal?.aborted) onAbort();
  else userSignal?.addEventListener("abort", onAbort, { once: true });
  const running = handle;
  const done = (async () => {
    try {
      await running.execution;
      // Buffered appends: the journal holds the outcome before anyone is told of it.
      await batcher.flush();
    } catch {
      // The run stopped (lease lost): `result` reports why.
    } finally {
      userSignal?.removeEventListener("abort", onAbort);
      if (keeper.stopped === undefined) await keeper.release();
      else keeper.stop();
    }
  })();
  const settled = async () => {
    await done;
    const stopped = keeper.stopped;
    if (stopped !== undefined) throw stopped;
  };
  return {
    runId,
    url: api.runUrl(runId),
    get lease() {
      return keeper.lease;
    },
    handle: running,
    stats: batcher.stats,
    done,
    async result() {
      await settled();
      return running.result();
    },
    async finalState() {
      await settled();
      return running.finalState();
    },
    cancel: (reason = "Cancelled by request") => running.cancel(reason),
  };
}

function consoleOf(options: RemoteRunOptions): ConsoleLogSink | undefined {
  const option = options.console ?? true;
  if (option === false) return undefined;
  return new ConsoleLogSink(option === true ? {} : { level: option });
}

function defaultHolder(): string {
  return `process-${randomUUID().slice(0, 8)}`;
}
