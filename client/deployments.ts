/**
 * The client's deployment, schedule and scheduler routes, as a base class of
 * {@link WeirClient} (client.ts) so they read as its own methods (`client.listDeployments()`;
 * it extends the concurrency limit routes of concurrency.ts the same way)
 * while client.ts stays about runs. A deployment is addressed by its id or as
 * `flow-name/deployment-name` ({@link DeploymentRoutes.resolveDeployment}).
 *
 * @module
 */

import type { CollisionStrategy } from "../protocol/concurrency.ts";
import type {
  CatchUpPolicy,
  Deployment,
  DeploymentList,
  SchedulePreview,
  ScheduleSpec,
} from "../protocol/deployment.ts";
import type { CreateRunInput } from "../protocol/requests.ts";
import type { RunDetail, RunPage } from "../protocol/run.ts";
import type { StateType } from "../protocol/state.ts";
import { ConcurrencyLimitRoutes } from "./concurrency.ts";
import { queryString } from "./http_util.ts";

/**
 * A schedule as a body gives it: the spec and whether it is active (default true).
 *
 * @example
 * ```ts
 * const s: ScheduleInput = { schedule: { cron: "0 *\/2 * * *" }, active: true };
 * ```
 */
export interface ScheduleInput {
  schedule: ScheduleSpec;
  active?: boolean;
}

/**
 * POST /api/deployments body (protocol/deployment.ts `CreateDeploymentBody`).
 *
 * @example
 * ```ts
 * const body: CreateDeploymentInput = { flowName: "elevator", name: "hourly", schedules: [{ schedule: { interval: "1h" } }] };
 * ```
 */
export interface CreateDeploymentInput {
  flowName: string;
  name: string;
  description?: string | null;
  version?: string | null;
  tags?: string[];
  parameters?: Record<string, unknown>;
  schedules?: ScheduleInput[];
  paused?: boolean;
  catchUp?: CatchUpPolicy;
  /** At most this many of its runs at once; null (default): no limit. */
  concurrencyLimit?: number | null;
  /** `ENQUEUE` (default): a run over the limit waits; `CANCEL_NEW`: it is cancelled. */
  collisionStrategy?: CollisionStrategy;
  /** A parameter name or dotted path: the limit applies per value of it. */
  concurrencyKey?: string | null;
}

/**
 * PATCH /api/deployments/{id} body: any of the fields; `schedules`, when given, replaces them all.
 *
 * @example
 * ```ts
 * const patch: UpdateDeploymentInput = { parameters: { floors: 3 }, catchUp: "latest" };
 * ```
 */
export type UpdateDeploymentInput = Partial<Omit<CreateDeploymentInput, "flowName" | "name">>;

/**
 * PATCH /api/deployments/{id}/schedules/{scheduleId} body.
 *
 * @example
 * ```ts
 * const off: UpdateScheduleInput = { active: false };
 * ```
 */
export interface UpdateScheduleInput {
  schedule?: ScheduleSpec;
  active?: boolean;
}

/**
 * GET /api/deployments/{id}/runs filters.
 *
 * @example
 * ```ts
 * const query: DeploymentRunsQuery = { state: "SCHEDULED", limit: 10 };
 * ```
 */
export interface DeploymentRunsQuery {
  state?: StateType;
  limit?: number;
  cursor?: string;
}

/**
 * What POST /api/scheduler/tick answers: what the tick did.
 *
 * @example
 * ```ts
 * const { runsCreated, problems } = await client.schedulerTick();
 * ```
 */
export interface SchedulerTickSummary {
  /** The tick's time, epoch ms. */
  readonly at: number;
  /** Schedules read because they were due. */
  readonly schedulesDue: number;
  /** Runs created. */
  readonly runsCreated: number;
  /** Runs that already existed (another tick created them). */
  readonly runsExisting: number;
  /** Of the runs created, those for missed times the catch-up policies kept. */
  readonly catchUpRuns: number;
  /** Runs marked Late. */
  readonly lateMarked: number;
  /** Runs created and then discarded again because their schedule changed meanwhile. */
  readonly runsDiscarded: number;
  /** Schedules that could not be scheduled, and why. */
  readonly problems: readonly { readonly scheduleId: string; readonly message: string }[];
  /** Wall time of the tick, ms. */
  readonly durationMs: number;
}

const path = (...parts: string[]) => parts.map(encodeURIComponent).join("/");

/**
 * The deployment routes. {@link WeirClient} extends this class and gives it `request`.
 *
 * @example
 * ```ts
 * const d = await client.resolveDeployment("elevator/hourly");
 * const run = await client.createDeploymentRun(d.id, { parameters: { floors: 3 } });
 * ```
 */
export abstract class DeploymentRoutes extends ConcurrencyLimitRoutes {
  /** Sends one request and answers its JSON (see WeirClient.request). */
  abstract override request<T>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T>;

  /**
   * GET /api/deployments: every deployment.
   *
   * @example
   * ```ts
   * for (const d of await client.listDeployments()) console.log(`${d.flowName}/${d.name}`);
   * ```
   */
  async listDeployments(): Promise<readonly Deployment[]> {
    return (await this.request<DeploymentList>("GET", "/api/deployments")).deployments;
  }

  /**
   * GET /api/deployments/{id}.
   *
   * @example
   * ```ts
   * const d = await client.getDeployment(id);
   * ```
   */
  getDeployment(id: string): Promise<Deployment> {
    return this.request("GET", `/api/deployments/${path(id)}`);
  }

  /**
   * GET /api/deployments/name/{flow}/{name}.
   *
   * @example
   * ```ts
   * const d = await client.getDeploymentByName("reddit-pipeline", "every-2h");
   * ```
   */
  getDeploymentByName(flow: string, name: string): Promise<Deployment> {
    return this.request("GET", `/api/deployments/name/${path(flow, name)}`);
  }

  /**
   * A deployment from a reference: `flow-name/deployment-name` (it contains a `/`) or its id.
   *
   * @example
   * ```ts
   * const byName = await client.resolveDeployment("elevator/hourly");
   * const byId = await client.resolveDeployment(byName.id);
   * ```
   */
  resolveDeployment(ref: string): Promise<Deployment> {
    const slash = ref.indexOf("/");
    if (slash === -1) return this.getDeployment(ref);
    return this.getDeploymentByName(ref.slice(0, slash), ref.slice(slash + 1));
  }

  /**
   * POST /api/deployments: a deployment of a registered flow (409 if `flow/name` exists).
   *
   * @example
   * ```ts
   * const d = await client.createDeployment({ flowName: "elevator", name: "hourly", schedules: [{ schedule: { interval: "1h" } }] });
   * ```
   */
  createDeployment(input: CreateDeploymentInput): Promise<Deployment> {
    return this.request("POST", "/api/deployments", input);
  }

  /**
   * PATCH /api/deployments/{id}.
   *
   * @example
   * ```ts
   * await client.updateDeployment(id, { tags: ["nightly"] });
   * ```
   */
  updateDeployment(id: string, patch: UpdateDeploymentInput): Promise<Deployment> {
    return this.request("PATCH", `/api/deployments/${path(id)}`, patch);
  }

  /**
   * DELETE /api/deployments/{id}: the deployment, its schedules and its runs not yet started.
   *
   * @example
   * ```ts
   * await client.deleteDeployment(id);
   * ```
   */
  async deleteDeployment(id: string): Promise<void> {
    await this.request("DELETE", `/api/deployments/${path(id)}`);
  }

  /**
   * POST /api/deployments/{id}/pause: no more scheduled runs; those not started are removed.
   *
   * @example
   * ```ts
   * const d = await client.pauseDeployment(id); // d.paused === true
   * ```
   */
  pauseDeployment(id: string): Promise<Deployment> {
    return this.request("POST", `/api/deployments/${path(id)}/pause`);
  }

  /**
   * POST /api/deployments/{id}/resume: schedules again from now.
   *
   * @example
   * ```ts
   * await client.resumeDeployment(id);
   * ```
   */
  resumeDeployment(id: string): Promise<Deployment> {
    return this.request("POST", `/api/deployments/${path(id)}/resume`);
  }

  /**
   * POST /api/deployments/{id}/runs: a run with the deployment's default parameters merged
   * under `input.parameters` (422 naming `parameters.<field>` when they do not fit the flow).
   *
   * @example
   * ```ts
   * const run = await client.createDeploymentRun(id, { parameters: { floors: 3 }, tags: ["cli"] });
   * ```
   */
  createDeploymentRun(id: string, input: CreateRunInput = {}): Promise<RunDetail> {
    return this.request("POST", `/api/deployments/${path(id)}/runs`, input);
  }

  /**
   * GET /api/deployments/{id}/runs: its runs (`state: "SCHEDULED"` for the upcoming ones).
   *
   * @example
   * ```ts
   * const { runs } = await client.listDeploymentRuns(id, { state: "SCHEDULED" });
   * ```
   */
  listDeploymentRuns(id: string, query: DeploymentRunsQuery = {}): Promise<RunPage> {
    return this.request("GET", `/api/deployments/${path(id)}/runs${queryString(query)}`);
  }

  /**
   * POST /api/deployments/{id}/schedules: adds a schedule; answers the deployment.
   *
   * @example
   * ```ts
   * const d = await client.createSchedule(id, { schedule: { cron: "0 0 * * *", timezone: "America/Sao_Paulo" } });
   * ```
   */
  createSchedule(id: string, input: ScheduleInput): Promise<Deployment> {
    return this.request("POST", `/api/deployments/${path(id)}/schedules`, input);
  }

  /**
   * PATCH /api/deployments/{id}/schedules/{scheduleId}: changes the spec or `active`; the
   * runs it had scheduled that have not started are removed.
   *
   * @example
   * ```ts
   * await client.updateSchedule(id, scheduleId, { active: false });
   * ```
   */
  updateSchedule(id: string, scheduleId: string, patch: UpdateScheduleInput): Promise<Deployment> {
    return this.request(
      "PATCH",
      `/api/deployments/${path(id)}/schedules/${path(scheduleId)}`,
      patch,
    );
  }

  /**
   * DELETE /api/deployments/{id}/schedules/{scheduleId}.
   *
   * @example
   * ```ts
   * await client.deleteSchedule(id, scheduleId);
   * ```
   */
  async deleteSchedule(id: string, scheduleId: string): Promise<void> {
    await this.request("DELETE", `/api/deployments/${path(id)}/schedules/${path(scheduleId)}`);
  }

  /**
   * POST /api/schedules/preview: the next `count` (default 5) times of a schedule after
   * `from` (default now), as ISO strings with the zone's offset, and the schedule in words.
   *
   * @example
   * ```ts
   * const { times, description } = await client.previewSchedule({ cron: "0 0 * * *", timezone: "America/Sao_Paulo" }, { count: 3 });
   * ```
   */
  previewSchedule(
    schedule: ScheduleSpec,
    options: { from?: string; count?: number } = {},
  ): Promise<SchedulePreview> {
    return this.request("POST", "/api/schedules/preview", { schedule, ...options });
  }

  /**
   * POST /api/scheduler/tick: runs the scheduler's tick now (what the Cron Trigger does each
   * minute) and answers its summary.
   *
   * @example
   * ```ts
   * const summary = await client.schedulerTick();
   * ```
   */
  schedulerTick(): Promise<SchedulerTickSummary> {
    return this.request("POST", "/api/scheduler/tick");
  }
}
