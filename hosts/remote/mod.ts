/**
 * The remote host: runs a flow in this process while its run — journal, logs, cache and
 * results — lives on a Weir server, fenced by a lease (issue 11's foundation). Only web-standard
 * APIs (`fetch`, `AbortController`, `setTimeout`), so it runs on Node, Deno and browsers.
 *
 * - {@link runOnServer} / {@link startOnServer}: create the run on the server, execute it here.
 * - {@link resumeOnServer}: take over an expired or free lease and resume from the journal.
 * - The ports, for hosts of their own: {@link RemoteJournal}, {@link RemoteLogSink},
 *   {@link RemoteCacheStore}, {@link RemoteResultStore}, over {@link RemoteApi}, with the
 *   {@link AppendBatcher} (group commit of appends and log lines) and the {@link LeaseKeeper}.
 *
 * Appends are batched: everything written within `lingerMs` (5 ms), or up to
 * `MAX_APPEND_ENTRIES`, goes in one request. By default an append resolves at once and the run
 * is flushed before it is reported (`ack: "buffered"`); see journal.ts for the durability
 * trade-off against `ack: "stored"`.
 *
 * @example
 * ```ts
 * import { runOnServer } from "./hosts/remote/mod.ts";
 * const result = await runOnServer(catFact, { url: "https://catfact.ninja/fact" }, {
 *   url: "http://127.0.0.1:8787", // or WEIR_API_URL
 * });
 * ```
 *
 * @module
 */

export { RemoteApi, type RemoteApiOptions } from "./api.ts";
export { AppendBatcher, type BatcherOptions, type BatcherStats } from "./batcher.ts";
export { RemoteCacheStore } from "./cache.ts";
export { echoEngineLines, printLines } from "./console_lines.ts";
export { LeaseLostError } from "./errors.ts";
export { type AppendAck, RemoteJournal } from "./journal.ts";
export { LeaseKeeper, type LeaseKeeperOptions } from "./lease.ts";
export { RemoteLogSink } from "./logs.ts";
export { RemoteResultStore } from "./results.ts";
export {
  type RemoteRun,
  type RemoteRunOptions,
  resumeOnServer,
  runOnServer,
  type StartOnServerOptions,
  startOnServer,
} from "./run.ts";
