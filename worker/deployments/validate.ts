/**
 * What makes a deployment acceptable beyond its shape (protocol/deployment.ts checks that):
 * its flow is registered, its schedules mean something (worker/scheduler/schedule_times.ts),
 * and its default parameters fit the flow's schema. Each problem names the field as the API's
 * 422 does (`flowName`, `schedules.0.schedule.cron`, `parameters.n`).
 *
 * Defaults are checked leniently, as Prefect does: a run merges its own parameters over them,
 * so a required parameter missing from the defaults is fine (a run must give it), but a
 * default that is given must be valid.
 *
 * @module
 */

import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { AnyFlow, ScheduleSpec } from "../../runtime/host.ts";
import type { FlowRegistry } from "../registry.ts";
import { scheduleProblem } from "../scheduler/schedule_times.ts";

/** A problem with a deployment: the field at fault (dotted, from the body's root) and why. */
export interface DeploymentProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * What is wrong with one schedule spec, with the field under `prefix` (`schedule.cron`).
 *
 * @example
 * ```ts
 * specProblem({ interval: "soon" }, "schedule"); // { field: "schedule.interval", message: "..." }
 * ```
 */
export function specProblem(spec: ScheduleSpec, prefix: string): DeploymentProblem | undefined {
  const problem = scheduleProblem(spec);
  return problem === undefined
    ? undefined
    : { field: `${prefix}.${problem.field}`, message: problem.message };
}

/**
 * The first schedule whose spec means nothing (bad cron, time zone, interval or RRULE).
 *
 * @example
 * ```ts
 * schedulesProblem([{ schedule: { cron: "nope" } }]);
 * // { field: "schedules.0.schedule.cron", message: "..." }
 * ```
 */
export function schedulesProblem(
  schedules: readonly { readonly schedule: ScheduleSpec }[],
  prefix = "schedules",
): DeploymentProblem | undefined {
  for (const [i, entry] of schedules.entries()) {
    const problem = specProblem(entry.schedule, `${prefix}.${i}.schedule`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * The flow named, or a problem listing the registered flows.
 *
 * @example
 * ```ts
 * const found = flowOf(registry, "cat-fact");
 * if ("field" in found) throw new ApiError("invalid_value", found.message, found.field);
 * ```
 */
export function flowOf(registry: FlowRegistry, flowName: string): AnyFlow | DeploymentProblem {
  const flow = registry.get(flowName);
  if (flow !== undefined) return flow;
  const known = registry.list().map((f) => f.flowName);
  return {
    field: "flowName",
    message: `No flow named '${flowName}' is registered with this Worker. Registered flows: ${known.length === 0 ? "none" : known.join(", ")}`,
  };
}

type Issues = readonly StandardSchemaV1.Issue[];

function segmentKey(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === "object" ? segment.key : segment;
}

/**
 * The first issue about a default that was given: an issue whose path starts at a key the
 * defaults lack is a required parameter left to the run.
 */
function givenDefaultProblem(
  flowName: string,
  defaults: Record<string, unknown>,
  issues: Issues | undefined,
): DeploymentProblem | undefined {
  for (const issue of issues ?? []) {
    const path = (issue.path ?? []).map(segmentKey);
    const first = path[0];
    if (first !== undefined && !Object.hasOwn(defaults, String(first))) continue;
    const field = path.map(String).join(".");
    return {
      field: field === "" ? "parameters" : `parameters.${field}`,
      message: `Invalid default parameters for flow '${flowName}': ${field === "" ? "" : `${field}: `}${issue.message}`,
    };
  }
  return undefined;
}

/**
 * Checks default parameters against the flow's schema when the schema validates
 * synchronously; `"async"` when it answers with a promise (check with {@link defaultsProblem}).
 *
 * @example
 * ```ts
 * defaultsProblemSync(sum, { n: "x" }); // { field: "parameters.n", message: "..." }
 * ```
 */
export function defaultsProblemSync(
  flow: AnyFlow,
  defaults: Record<string, unknown>,
): DeploymentProblem | undefined | "async" {
  const schema = flow.options.params;
  if (schema === undefined) return undefined;
  const result = schema["~standard"].validate(defaults);
  if (result instanceof Promise) {
    // Nothing awaits it here; keep a rejection from going unhandled.
    result.catch(() => undefined);
    return "async";
  }
  return givenDefaultProblem(flow.flowName, defaults, result.issues);
}

/**
 * Checks default parameters against the flow's schema (sync or async schemas).
 *
 * @example
 * ```ts
 * const problem = await defaultsProblem(nap, {}); // undefined: `ms` is left to each run
 * ```
 */
export async function defaultsProblem(
  flow: AnyFlow,
  defaults: Record<string, unknown>,
): Promise<DeploymentProblem | undefined> {
  const schema = flow.options.params;
  if (schema === undefined) return undefined;
  const result = await schema["~standard"].validate(defaults);
  return givenDefaultProblem(flow.flowName, defaults, result.issues);
}
