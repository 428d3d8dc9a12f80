/**
 * The typed client over Weir's HTTP API: every route of GET /api/openapi.json, cursor paging
 * as async iterators, followed logs, and the live feed (see live.ts). The deployment and
 * schedule routes are in deployments.ts, a base class of {@link WeirClient}. Only `fetch` and
 * `WebSocket`, so it runs on Node, Deno, browsers and Workers.
 *
 * @module
 */

import type { Flow, FlowList } from "../protocol/flow.ts";
import type { FlowGraph } from "../protocol/flow_graph.ts";
import type { RunGraph } from "../protocol/graph.ts";
import type { Health } from "../protocol/health.ts";
import type { LiveMessage } from "../protocol/live_message.ts";
import type { LogLevelName, LogLine, LogPage } from "../protocol/log.ts";
import type { CreateRunInput } from "../protocol/requests.ts";
import type { RunDetail, RunPage, RunSummary } from "../protocol/run.ts";
import type { StateType } from "../protocol/state.ts";
import { DeploymentRoutes } from "./deployments.ts";
import { DEFAULT_API_URL, envVar } from "./env.ts";
import { WeirApiError, WeirUnreachableError } from "./errors.ts";
import { queryString, sleep } from "./http_util.ts";
import { openLive, type WebSocketConstructor } from "./live.ts";
import { isFinalStateType } from "./states.ts";

export { isFinalStateType } from "./states.ts";

/**
 * How to reach the API. Unset fields come from `WEIR_API_URL` and `WEIR_API_TOKEN`, then the
 * defaults (`http://127.0.0.1:8787`, no token).
 *
 * @example
 * ```ts
 * const client = new WeirClient({ baseUrl: "https://weir.example.com", token: "s3cret" });
 * ```
 */
export interface WeirClientOptions {
  /** The server's address, such as `http://127.0.0.1:8787` (a trailing `/` is fine). */
  baseUrl?: string;
  /** The bearer token (the Worker's `WEIR_API_TOKEN`); `null` sends none even if the env has one. */
  token?: string | null;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** A WebSocket constructor for the live feed where there is no global one (Node 20: `ws`). */
  WebSocket?: WebSocketConstructor;
}

/**
 * GET /api/runs filters.
 *
 * @example
 * ```ts
 * const query: ListRunsQuery = { flow: "cat-fact", state: "FAILED", limit: 20 };
 * ```
 */
export interface ListRunsQuery {
  flow?: string;
  deployment?: string;
  state?: StateType;
  tag?: string;
  /** Created at or after: epoch ms or an ISO 8601 date-time. */
  since?: number | string;
  until?: number | string;
  /** Runs per page (1 to 200). */
  limit?: number;
  cursor?: string;
}

/**
 * GET /api/runs/{id}/logs options.
 *
 * @example
 * ```ts
 * const page = await client.getLogs(id, { level: "WARNING", after: 0, limit: 100 });
 * ```
 */
export interface LogsQuery {
  /** Lines after this cursor (0 for the first). */
  after?: number;
  /** The lowest level to include. */
  level?: LogLevelName;
  limit?: number;
}

/**
 * Options of {@link WeirClient.logs}.
 *
 * @example
 * ```ts
 * for await (const line of client.logs(id, { follow: true, level: "INFO" })) console.log(line.message);
 * ```
 */
export interface LogsOptions extends LogsQuery {
  /** Keep reading until the run is final (polling every `intervalMs`). */
  follow?: boolean;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * The Weir API client.
 *
 * @example
 * ```ts
 * const client = new WeirClient(); // WEIR_API_URL, WEIR_API_TOKEN or http://127.0.0.1:8787
 * const run = await client.createRun("cat-fact", { parameters: { n: 2 } });
 * for await (const message of client.live(run.id)) {
 *   if (message.type === "snapshot" && isFinalStateType(message.run?.state?.type)) break;
 * }
 * ```
 */
export class WeirClient extends DeploymentRoutes {
  /** The server's address, without a trailing `/`. */
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #WebSocket: WebSocketConstructor | undefined;

  constructor(options: WeirClientOptions = {}) {
    super();
    this.baseUrl = (options.baseUrl ?? envVar("WEIR_API_URL") ?? DEFAULT_API_URL).replace(
      /\/+$/,
      "",
    );
    this.#token = options.token === null ? undefined : (options.token ?? envVar("WEIR_API_TOKEN"));
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#WebSocket = options.WebSocket;
  }

  /**
   * Sends a request to `path` and answers its JSON; throws {@link WeirApiError} on a non-2xx
   * answer and {@link WeirUnreachableError} when there is no answer.
   *
   * @example
   * ```ts
   * const doc = await client.request<Record<string, unknown>>("GET", "/api/openapi.json");
   * ```
   */
  override async request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new WeirUnreachableError(this.baseUrl, error);
    }
    if (!res.ok) throw await WeirApiError.fromResponse(res);
    // A DELETE may answer 204 with no body.
    const text = await res.text();
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  /**
   * GET /api/health: the server is up and how many flows it has.
   *
   * @example
   * ```ts
   * const { flows } = await client.health();
   * ```
   */
  health(): Promise<Health> {
    return this.request("GET", "/api/health");
  }

  /**
   * GET /api/flows: the flows the server can run.
   *
   * @example
   * ```ts
   * for (const flow of await client.listFlows()) console.log(flow.name);
   * ```
   */
  async listFlows(): Promise<readonly Flow[]> {
    return (await this.request<FlowList>("GET", "/api/flows")).flows;
  }

  /**
   * GET /api/flows/{name}: one flow, with its parameters' JSON Schema.
   *
   * @example
   * ```ts
   * const flow = await client.getFlow("cat-fact");
   * ```
   */
  getFlow(name: string): Promise<Flow> {
    return this.request("GET", `/api/flows/${encodeURIComponent(name)}`);
  }

  /**
   * GET /api/flows/{name}/graph: the flow's tasks and subflows drawn without running it
   * (`parameters` default to the schema's defaults, or placeholders).
   *
   * @example
   * ```ts
   * const graph = await client.getFlowGraph("iris", { url: "https://example.com/iris.csv" });
   * ```
   */
  getFlowGraph(name: string, parameters?: Record<string, unknown>): Promise<FlowGraph> {
    const query =
      parameters === undefined
        ? ""
        : `?parameters=${encodeURIComponent(JSON.stringify(parameters))}`;
    return this.request("GET", `/api/flows/${encodeURIComponent(name)}/graph${query}`);
  }

  /**
   * POST /api/flows/{name}/runs: creates a run (the same `idempotencyKey` answers the same run).
   *
   * @example
   * ```ts
   * const run = await client.createRun("cat-fact", { parameters: { n: 2 }, tags: ["demo"] });
   * ```
   */
  createRun(flow: string, input: CreateRunInput = {}): Promise<RunDetail> {
    return this.request("POST", `/api/flows/${encodeURIComponent(flow)}/runs`, input);
  }

  /**
   * GET /api/runs: one page of runs, newest first.
   *
   * @example
   * ```ts
   * const page = await client.listRunsPage({ limit: 10 });
   * const next = await client.listRunsPage({ limit: 10, cursor: page.nextCursor ?? undefined });
   * ```
   */
  listRunsPage(query: ListRunsQuery = {}): Promise<RunPage> {
    return this.request("GET", `/api/runs${queryString({ ...query })}`);
  }

  /**
   * Every run that matches, newest first, following the cursor page by page.
   *
   * @example
   * ```ts
   * for await (const run of client.listRuns({ flow: "cat-fact" })) console.log(run.id);
   * ```
   */
  async *listRuns(query: ListRunsQuery = {}): AsyncGenerator<RunSummary> {
    let cursor = query.cursor;
    for (;;) {
      const page = await this.listRunsPage({ ...query, ...(cursor ? { cursor } : {}) });
      yield* page.runs;
      if (page.nextCursor === null || page.runs.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  /**
   * GET /api/runs/{id}: a run with its steps.
   *
   * @example
   * ```ts
   * const run = await client.getRun(id);
   * console.log(run.state?.name);
   * ```
   */
  getRun(id: string): Promise<RunDetail> {
    return this.request("GET", `/api/runs/${encodeURIComponent(id)}`);
  }

  /**
   * GET /api/runs/{id}/logs: one page of log lines after a cursor.
   *
   * @example
   * ```ts
   * const { logs, nextCursor } = await client.getLogs(id, { level: "INFO" });
   * ```
   */
  getLogs(id: string, query: LogsQuery = {}): Promise<LogPage> {
    return this.request("GET", `/api/runs/${encodeURIComponent(id)}/logs${queryString(query)}`);
  }

  /**
   * A run's log lines, page after page; with `follow`, keeps reading until the run is final.
   *
   * @example
   * ```ts
   * for await (const line of client.logs(id, { follow: true })) console.log(line.message);
   * ```
   */
  async *logs(id: string, options: LogsOptions = {}): AsyncGenerator<LogLine> {
    const { follow = false, intervalMs = 500, signal, ...query } = options;
    let after = query.after ?? 0;
    let finalSeen = false;
    for (;;) {
      const page = await this.getLogs(id, { ...query, after });
      yield* page.logs;
      after = page.nextCursor;
      if (page.logs.length > 0) continue;
      if (!follow || finalSeen || signal?.aborted) return;
      // One more read after the run is final, for lines written as it ended.
      finalSeen = isFinalStateType((await this.getRun(id)).state?.type);
      if (!finalSeen) await sleep(intervalMs, signal);
    }
  }

  /**
   * GET /api/runs/{id}/graph: the run's steps as nodes, data and grouping as edges.
   *
   * @example
   * ```ts
   * const { nodes, edges } = await client.getGraph(id);
   * ```
   */
  getGraph(id: string): Promise<RunGraph> {
    return this.request("GET", `/api/runs/${encodeURIComponent(id)}/graph`);
  }

  /**
   * POST /api/runs/{id}/cancel: cancels a run that is not final (409 if it is).
   *
   * @example
   * ```ts
   * await client.cancelRun(id, "superseded");
   * ```
   */
  cancelRun(id: string, reason?: string): Promise<RunDetail> {
    return this.request(
      "POST",
      `/api/runs/${encodeURIComponent(id)}/cancel`,
      reason === undefined ? {} : { reason },
    );
  }

  /**
   * POST /api/runs/{id}/retry: runs a Failed, Crashed or Cancelled run again, keeping the
   * results of the tasks that completed.
   *
   * @example
   * ```ts
   * const run = await client.retryRun(id);
   * ```
   */
  retryRun(id: string): Promise<RunDetail> {
    return this.request("POST", `/api/runs/${encodeURIComponent(id)}/retry`);
  }

  /**
   * POST /api/runs/{id}/events/{name}: delivers an event a run waits for.
   *
   * @example
   * ```ts
   * await client.sendEvent(id, "approval", { approved: true });
   * ```
   */
  sendEvent(id: string, name: string, payload?: unknown): Promise<RunDetail> {
    return this.request(
      "POST",
      `/api/runs/${encodeURIComponent(id)}/events/${encodeURIComponent(name)}`,
      payload === undefined ? {} : { payload },
    );
  }

  /**
   * The live feed of a run (GET /api/runs/{id}/live over a WebSocket): a snapshot, then
   * journal batches and log lines as the run changes, and a fresh snapshot after each journal
   * batch. A socket that drops is reopened (the new one starts with a snapshot). Ends when the
   * loop breaks or `signal` aborts; a refused socket throws the API's error (checked over
   * HTTP, since a WebSocket does not say why).
   *
   * @example
   * ```ts
   * for await (const message of client.live(id)) {
   *   if (message.type === "log") console.log(message.log.message);
   * }
   * ```
   */
  live(id: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<LiveMessage> {
    const Ctor =
      this.#WebSocket ??
      (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ??
      undefined;
    if (Ctor === undefined) {
      throw new Error(
        "There is no WebSocket here: pass one as the WebSocket option (on Node 20, `ws`)",
      );
    }
    const url = `${this.baseUrl.replace(/^http/, "ws")}/api/runs/${encodeURIComponent(id)}/live`;
    return openLive(
      Ctor,
      url,
      this.#token,
      options.signal,
      async () => {
        await this.getRun(id); // throws the API's error (401, 404) or the unreachable one
      },
      () => new WeirUnreachableError(this.baseUrl, new Error("the live WebSocket would not open")),
    );
  }
}
