/**
 * The API client: JSON over fetch with the bearer token, a token prompt on 401 (then the call
 * is made again), and every failure turned into an {@link ApiRequestError} that carries the
 * API's own message and field, so pages show what the API said.
 *
 * @module
 */

import type { RunList, RunListKind, RunStats } from "../../../protocol/run_stats.ts";
import { askForToken, token } from "../auth.ts";
import type {
  ApiErrorBody,
  CollisionStrategy,
  ConcurrencyLimit,
  ConcurrencyLimitList,
  Deployment,
  DeploymentList,
  Flow,
  FlowGraph,
  LogLevelName,
  LogPage,
  RunDetail,
  RunGraph,
  RunPage,
  SchedulePreview,
  ScheduleSpec,
} from "./types.ts";

/** A failed API call: the HTTP status (0 when the API could not be reached) and the API's error. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

async function errorOf(res: Response): Promise<ApiRequestError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (body.error !== undefined && typeof body.error.message === "string") {
      return new ApiRequestError(res.status, body.error.code, body.error.message, body.error.field);
    }
  } catch {
    // Not the API's JSON (a proxy's page, say): reported below with the status.
  }
  const detail = text.trim().slice(0, 200);
  return new ApiRequestError(
    res.status,
    "http_error",
    `The server answered ${res.status} ${res.statusText}${detail === "" ? "" : `: ${detail}`}`,
  );
}

/**
 * Calls the API and returns its JSON.
 *
 * @example
 * ```ts
 * const { flows } = await request<{ flows: Flow[] }>("/api/flows");
 * ```
 */
export async function request<T>(
  path: string,
  options: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  for (;;) {
    const headers: Record<string, string> = { accept: "application/json" };
    if (token.value !== null && token.value !== "") headers.authorization = `Bearer ${token.value}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(path, {
        method: options.method ?? "GET",
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiRequestError(0, "unreachable", `Could not reach the Weir API (${reason})`);
    }
    if (res.status === 401) {
      const error = await errorOf(res);
      try {
        await askForToken(error.message);
      } catch {
        throw error;
      }
      continue;
    }
    if (!res.ok) throw await errorOf(res);
    // A DELETE may answer 204 with no body.
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}

const run = (id: string) => `/api/runs/${encodeURIComponent(id)}`;
const deployment = (id: string) => `/api/deployments/${encodeURIComponent(id)}`;
const limit = (name: string) => `/api/concurrency-limits/${encodeURIComponent(name)}`;

/** The body of POST /api/deployments/{id}/runs (protocol/requests.ts's CreateRunBody). */
export interface DeploymentRunBody {
  parameters?: Record<string, unknown>;
  name?: string;
  tags?: string[];
  scheduledAt?: number | string;
  idempotencyKey?: string;
}

/**
 * A deployment's concurrency settings in PATCH /api/deployments/{id} (protocol/deployment.ts):
 * `concurrencyLimit` null removes the limit, `concurrencyKey` null keys it by nothing.
 */
export interface DeploymentConcurrencyBody {
  concurrencyLimit?: number | string | null;
  collisionStrategy?: CollisionStrategy;
  concurrencyKey?: string | null;
}

/** POST /api/concurrency-limits and PATCH …/{name}. Text the API answers 422 for is sent as typed. */
export interface LimitBody {
  name?: string;
  limit?: number | string;
  active?: boolean;
  slotDecayPerSecond?: number | string;
}

/** The API's routes, typed. */
export const api = {
  flows: () => request<{ flows: Flow[] }>("/api/flows"),
  flow: (name: string) => request<Flow>(`/api/flows/${encodeURIComponent(name)}`),
  flowGraph: (name: string) => request<FlowGraph>(`/api/flows/${encodeURIComponent(name)}/graph`),
  createRun: (
    name: string,
    body: { parameters: Record<string, unknown>; name?: string; tags?: string[] },
  ) => request<RunDetail>(`/api/flows/${encodeURIComponent(name)}/runs`, { method: "POST", body }),
  runs: (query: string) => request<RunPage>(`/api/runs?${query}`),
  run: (id: string) => request<RunDetail>(run(id)),
  logs: (id: string, options: { after: number; level: LogLevelName; limit: number }) =>
    request<LogPage>(
      `${run(id)}/logs?after=${options.after}&level=${options.level}&limit=${options.limit}`,
    ),
  graph: (id: string) => request<RunGraph>(`${run(id)}/graph`),
  cancel: (id: string, reason?: string) =>
    request<RunDetail>(`${run(id)}/cancel`, {
      method: "POST",
      body: reason === undefined ? {} : { reason },
    }),
  retry: (id: string) => request<RunDetail>(`${run(id)}/retry`, { method: "POST" }),
  sendEvent: (id: string, name: string, payload: unknown) =>
    request<RunDetail>(`${run(id)}/events/${encodeURIComponent(name)}`, {
      method: "POST",
      body: payload === undefined ? {} : { payload },
    }),

  // The dashboard's counts and lists (protocol/run_stats.ts).
  /** Runs by state type per bucket, e.g. `since=…&until=…&bucket=1h`. */
  runStats: (query: string) => request<RunStats>(`/api/runs/stats?${query}`),
  /** Failed, late or upcoming runs, by expected start; `query` adds `since`, `until`, `limit`. */
  runList: (kind: RunListKind, query = "") =>
    request<RunList>(`/api/runs/stats/runs?kind=${kind}${query === "" ? "" : `&${query}`}`),

  // Deployments and schedules (protocol/deployment.ts).
  deployments: () => request<DeploymentList>("/api/deployments"),
  deployment: (id: string) => request<Deployment>(deployment(id)),
  pauseDeployment: (id: string) =>
    request<Deployment>(`${deployment(id)}/pause`, { method: "POST" }),
  resumeDeployment: (id: string) =>
    request<Deployment>(`${deployment(id)}/resume`, { method: "POST" }),
  createDeploymentRun: (id: string, body: DeploymentRunBody) =>
    request<RunDetail>(`${deployment(id)}/runs`, { method: "POST", body }),
  /** The deployment's runs, e.g. `state=SCHEDULED&limit=10` for the upcoming ones. */
  deploymentRuns: (id: string, query: string) =>
    request<RunPage>(`${deployment(id)}/runs?${query}`),
  // The schedule routes' answers are not read: the page reloads the deployment after each.
  addSchedule: (id: string, body: { schedule: ScheduleSpec; active?: boolean }) =>
    request<unknown>(`${deployment(id)}/schedules`, { method: "POST", body }),
  updateSchedule: (
    id: string,
    scheduleId: string,
    body: { schedule?: ScheduleSpec; active?: boolean },
  ) =>
    request<unknown>(`${deployment(id)}/schedules/${encodeURIComponent(scheduleId)}`, {
      method: "PATCH",
      body,
    }),
  deleteSchedule: (id: string, scheduleId: string) =>
    request<unknown>(`${deployment(id)}/schedules/${encodeURIComponent(scheduleId)}`, {
      method: "DELETE",
    }),
  /** Changes a deployment (here: its concurrency settings); answers the deployment. */
  updateDeployment: (id: string, body: DeploymentConcurrencyBody) =>
    request<Deployment>(deployment(id), { method: "PATCH", body }),

  // Concurrency limits (protocol/concurrency.ts), with their holders and waiters.
  concurrencyLimits: () => request<ConcurrencyLimitList>("/api/concurrency-limits"),
  concurrencyLimit: (name: string) => request<ConcurrencyLimit>(limit(name)),
  createConcurrencyLimit: (body: LimitBody) =>
    request<ConcurrencyLimit>("/api/concurrency-limits", { method: "POST", body }),
  updateConcurrencyLimit: (name: string, body: LimitBody) =>
    request<ConcurrencyLimit>(limit(name), { method: "PATCH", body }),
  // The answers of reset and delete are not read: the page reloads or leaves.
  resetConcurrencyLimit: (name: string) =>
    request<unknown>(`${limit(name)}/reset`, { method: "POST" }),
  deleteConcurrencyLimit: (name: string) => request<unknown>(limit(name), { method: "DELETE" }),

  previewSchedule: (
    body: { schedule: ScheduleSpec; from?: string; count?: number },
    signal?: AbortSignal,
  ) =>
    request<SchedulePreview>("/api/schedules/preview", {
      method: "POST",
      body,
      ...(signal === undefined ? {} : { signal }),
    }),
};

/**
 * The message to show for any error.
 *
 * @example
 * ```ts
 * errorMessage(new ApiRequestError(404, "not_found", "No run with id 'x'")); // "No run with id 'x'"
 * ```
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
