/**
 * Deployments declared in code, next to their flow: a flow with default parameters,
 * schedules and a catch-up policy. A Worker built with `createWeirWorker({ flows, deployments })`
 * applies them when a new version of it first runs (a `wrangler deploy` is Prefect's
 * `deployment apply`). This module is data only: the Worker's scheduler gives the schedules
 * their meaning.
 *
 * @example
 * ```ts
 * import { deployment, flow } from "weir";
 * export const scrape = flow({ name: "scrape" }, async function* (p: { url: string }) { return p.url; });
 * export const every2h = deployment(scrape, {
 *   name: "every-2h",
 *   parameters: { url: "https://example.com/feed.json" },
 *   schedules: [{ cron: "0 *\/2 * * *", timezone: "America/Sao_Paulo" }],
 * });
 * ```
 *
 * @module
 */

import type { AnyFlow, Flow } from "./flow_types.ts";
import type { CollisionStrategy } from "./limits/port.ts";

/**
 * A cron schedule: 5 fields (minute precision) or 6 (seconds first), read in the IANA
 * `timezone` (default UTC). `dayOr` (default true) follows Vixie cron: when both day-of-month
 * and day-of-week are restricted, a day matching either runs.
 *
 * @example
 * ```ts
 * const every2h: CronSchedule = { cron: "0 *\/2 * * *", timezone: "America/Sao_Paulo" };
 * ```
 */
export interface CronSchedule {
  readonly cron: string;
  readonly timezone?: string;
  readonly dayOr?: boolean;
}

/**
 * An interval schedule: every `interval` (seconds, or a duration such as `"2h"`, `"90m"`,
 * `"1d"`) counted from `anchorDate` (ISO 8601, default 2020-01-01T00:00:00Z). With a
 * `timezone`, intervals of whole days keep their wall-clock time across daylight-saving
 * changes.
 *
 * @example
 * ```ts
 * const hourly: IntervalSchedule = { interval: "1h" };
 * ```
 */
export interface IntervalSchedule {
  readonly interval: number | string;
  readonly anchorDate?: string;
  readonly timezone?: string;
}

/**
 * An RFC 5545 recurrence rule (`FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0`, optionally with
 * a `DTSTART` line), read in `timezone` (default UTC).
 *
 * @example
 * ```ts
 * const weekdays: RRuleSchedule = { rrule: "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9" };
 * ```
 */
export interface RRuleSchedule {
  readonly rrule: string;
  readonly timezone?: string;
}

/**
 * One of the three kinds of schedule.
 *
 * @example
 * ```ts
 * const spec: ScheduleSpec = { cron: "0 9 * * 1-5", timezone: "Europe/Madrid" };
 * ```
 */
export type ScheduleSpec = CronSchedule | IntervalSchedule | RRuleSchedule;

/**
 * What to do with the scheduled times missed while the scheduler was down: `skip` runs only
 * future ones, `latest` runs the most recent missed one, `all` runs every missed one (up to a
 * maximum per schedule, `MAX_CATCH_UP_RUNS` in the protocol).
 *
 * @example
 * ```ts
 * const policy: CatchUpPolicy = "latest";
 * ```
 */
export type CatchUpPolicy = "skip" | "latest" | "all";

/** What `deployment()` takes besides the flow. */
export interface DeploymentOptions<P> {
  /** Unique per flow; the deployment is addressed as `flow-name/name`. */
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  readonly tags?: readonly string[];
  /** Default parameters, merged under the ones a run is given; validated when the Worker loads. */
  readonly parameters?: Partial<P>;
  /** Each a spec (active) or `{ schedule, active }`. */
  readonly schedules?: readonly (
    | ScheduleSpec
    | { readonly schedule: ScheduleSpec; readonly active?: boolean }
  )[];
  readonly paused?: boolean;
  /** Default `skip`. */
  readonly catchUp?: CatchUpPolicy;
  /**
   * At most this many of the deployment's runs at once (Prefect's deployment concurrency
   * limit); absent: no limit. A run over it waits (AwaitingConcurrencySlot) or is cancelled,
   * as `collisionStrategy` says.
   */
  readonly concurrencyLimit?: number;
  /** `ENQUEUE` (default): wait in line, first in first out. `CANCEL_NEW`: cancel the new run. */
  readonly collisionStrategy?: CollisionStrategy;
  /**
   * Apply the limit per value of this parameter (a name, or a dotted path such as
   * `customer.id`): at most `concurrencyLimit` runs per customer, say.
   */
  readonly concurrencyKey?: string;
}

/**
 * A deployment declared in code.
 *
 * @example
 * ```ts
 * const d: DeploymentDefinition = deployment(scrape, { name: "nightly" });
 * ```
 */
export interface DeploymentDefinition {
  readonly kind: "deployment";
  readonly flow: AnyFlow;
  readonly flowName: string;
  readonly options: DeploymentOptions<Record<string, unknown>>;
}

/**
 * Declares a deployment of `flow`; pass it to `createWeirWorker({ flows, deployments })`.
 *
 * @example
 * ```ts
 * const nightly = deployment(scrape, { name: "nightly", schedules: [{ cron: "0 3 * * *" }] });
 * ```
 */
export function deployment<P, R, POut>(
  flow: Flow<P, R, POut>,
  options: DeploymentOptions<P>,
): DeploymentDefinition {
  if (typeof options?.name !== "string" || options.name.trim() === "") {
    throw new TypeError(
      `deployment(${flow.flowName}): options.name must be a non-empty string, got ${JSON.stringify(options?.name)}`,
    );
  }
  return {
    kind: "deployment",
    flow: flow as AnyFlow,
    flowName: flow.flowName,
    options: options as DeploymentOptions<Record<string, unknown>>,
  };
}
