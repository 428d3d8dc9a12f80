/**
 * The HTTP calls a remote run makes (see protocol/remote_run.ts), over the typed client's
 * `request`: start a remote run, claim, renew and release its lease, read and append its
 * journal, and the cache and result routes. A 409 `lease_lost` answer becomes a
 * {@link LeaseLostError}; every other failure is the client's `WeirApiError` or
 * `WeirUnreachableError`. Only `fetch`, so it runs on Node, Deno and browsers.
 *
 * @module
 */

import { WeirClient } from "../../client/client.ts";
import { WeirApiError } from "../../client/errors.ts";
import type {
  AppendBody,
  CacheRead,
  ClaimLeaseBody,
  JournalPage,
  LeaseBody,
  LeaseState,
  RemoteRunStarted,
  ResultRead,
  RunLease,
  StartRemoteRunBody,
} from "../../protocol/remote_run.ts";
import type { CacheEntry, Encoded, JournalEntry } from "../../runtime/host.ts";
import { LeaseLostError } from "./errors.ts";

/**
 * Where the server is. Unset fields come from `WEIR_API_URL` and `WEIR_API_TOKEN`, then
 * `http://127.0.0.1:8787` and no token (as the client's).
 *
 * @example
 * ```ts
 * const api = new RemoteApi({ url: "http://127.0.0.1:8787", token: "s3cret" });
 * ```
 */
export interface RemoteApiOptions {
  /** The server's address, such as `http://127.0.0.1:8787`. */
  readonly url?: string;
  /** The API token; `null` sends none even if `WEIR_API_TOKEN` is set. */
  readonly token?: string | null;
  /** A fetch to use instead of the global one (tests count requests with it). */
  readonly fetch?: typeof fetch;
}

/**
 * The remote-run routes of one server.
 *
 * @example
 * ```ts
 * const api = new RemoteApi();
 * const { lease } = await api.startRun({ runId, flowName: "etl", holder: "laptop", entries });
 * await api.append(runId, { epoch: lease.epoch, entries: [] });
 * ```
 */
export class RemoteApi {
  /** The underlying typed client. */
  readonly client: WeirClient;

  constructor(options: RemoteApiOptions = {}) {
    this.client = new WeirClient({
      ...(options.url === undefined ? {} : { baseUrl: options.url }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** The server's address, without a trailing `/`. */
  get baseUrl(): string {
    return this.client.baseUrl;
  }

  /**
   * The run's page in the UI: `<url>/runs/<id>`.
   *
   * @example
   * ```ts
   * console.log(`View at ${api.runUrl(runId)}`);
   * ```
   */
  runUrl(runId: string): string {
    return `${this.baseUrl}/runs/${encodeURIComponent(runId)}`;
  }

  /**
   * POST /api/remote-runs: creates the run from its creation entries and takes its lease.
   *
   * @example
   * ```ts
   * const { lease } = await api.startRun({ runId, flowName, holder, entries });
   * ```
   */
  startRun(body: StartRemoteRunBody): Promise<RemoteRunStarted> {
    return this.#call(body.runId, 0, "POST", "/api/remote-runs", body);
  }

  /**
   * POST /api/runs/{id}/lease: takes the lease of a run whose lease is free or expired.
   *
   * @example
   * ```ts
   * const lease = await api.claimLease(runId, { holder: "worker-2", ttlMs: 30_000 });
   * ```
   */
  claimLease(runId: string, body: ClaimLeaseBody): Promise<RunLease> {
    return this.#call(runId, 0, "POST", `${runPath(runId)}/lease`, body);
  }

  /**
   * POST /api/runs/{id}/lease/renew; rejects with {@link LeaseLostError} when it was lost.
   *
   * @example
   * ```ts
   * const state = await api.renewLease(runId, { epoch: 3, ttlMs: 30_000 });
   * ```
   */
  renewLease(runId: string, body: LeaseBody): Promise<LeaseState> {
    return this.#call(runId, body.epoch, "POST", `${runPath(runId)}/lease/renew`, body);
  }

  /**
   * POST /api/runs/{id}/lease/release (harmless when the lease is already lost).
   *
   * @example
   * ```ts
   * await api.releaseLease(runId, { epoch: 3 });
   * ```
   */
  async releaseLease(runId: string, body: LeaseBody): Promise<void> {
    await this.#call(runId, body.epoch, "POST", `${runPath(runId)}/lease/release`, body);
  }

  /**
   * GET /api/runs/{id}/journal: every entry, in order.
   *
   * @example
   * ```ts
   * const entries = await api.readJournal(runId);
   * ```
   */
  async readJournal(runId: string, signal?: AbortSignal): Promise<readonly JournalEntry[]> {
    const page = await this.#call<JournalPage>(
      runId,
      0,
      "GET",
      `${runPath(runId)}/journal`,
      undefined,
      signal,
    );
    return page.entries;
  }

  /**
   * POST /api/runs/{id}/journal: appends entries and log lines atomically under the lease.
   *
   * @example
   * ```ts
   * const state = await api.append(runId, { epoch, entries, logs });
   * if (state.cancelRequested) handle.cancel();
   * ```
   */
  append(runId: string, body: AppendBody, signal?: AbortSignal): Promise<LeaseState> {
    return this.#call(runId, body.epoch, "POST", `${runPath(runId)}/journal`, body, signal);
  }

  /**
   * GET /api/cache/{key}: the entry, or `undefined`.
   *
   * @example
   * ```ts
   * const entry = await api.getCache("fetch-fact/abc");
   * ```
   */
  async getCache(key: string): Promise<CacheEntry | undefined> {
    const read = await this.client.request<CacheRead>("GET", `/api/cache/${keyPath(key)}`);
    return read.entry ?? undefined;
  }

  /**
   * PUT /api/cache/{key} with the entry as the body.
   *
   * @example
   * ```ts
   * await api.putCache("k", { value: 1, createdAt: Date.now() });
   * ```
   */
  async putCache(key: string, entry: CacheEntry): Promise<void> {
    await this.client.request("PUT", `/api/cache/${keyPath(key)}`, entry);
  }

  /**
   * DELETE /api/cache/{key}.
   *
   * @example
   * ```ts
   * await api.deleteCache("k");
   * ```
   */
  async deleteCache(key: string): Promise<void> {
    await this.client.request("DELETE", `/api/cache/${keyPath(key)}`);
  }

  /**
   * GET /api/results/{key}: the stored value, or `undefined`.
   *
   * @example
   * ```ts
   * const value = await api.getResult("run-1/result");
   * ```
   */
  async getResult(key: string): Promise<Encoded | undefined> {
    const read = await this.client.request<ResultRead>("GET", `/api/results/${keyPath(key)}`);
    return read.value ?? undefined;
  }

  /**
   * PUT /api/results/{key} with `{ value }` as the body.
   *
   * @example
   * ```ts
   * await api.putResult("run-1/result", { rows: 3 });
   * ```
   */
  async putResult(key: string, value: Encoded): Promise<void> {
    await this.client.request("PUT", `/api/results/${keyPath(key)}`, { value });
  }

  async #call<T>(
    runId: string,
    epoch: number,
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await this.client.request<T>(method, path, body, signal);
    } catch (error) {
      if (error instanceof WeirApiError && error.status === 409 && error.code === "lease_lost") {
        throw new LeaseLostError(runId, epoch, undefined, { cause: error });
      }
      throw error;
    }
  }
}

function runPath(runId: string): string {
  return `/api/runs/${encodeURIComponent(runId)}`;
}

/** Keys hold `/` (such as `run-1/result`): encoded whole, so a key is one path segment. */
function keyPath(key: string): string {
  return encodeURIComponent(key);
}
