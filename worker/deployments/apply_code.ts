/**
 * Deployments declared in code (`createWeirWorker({ flows, deployments })`): checked when the
 * Worker is built (an invalid one is an error at start-up, not at 2 a.m.), and applied when a
 * new version of the Worker first runs, as `wrangler deploy` were Prefect's
 * `deployment apply`. Applying compares a hash of the declarations with the one stored in
 * `weir_meta`: unchanged, it costs one D1 read per isolate; changed, each declared deployment
 * is created or brought to its declaration (source `code`, a stable id from its flow and name,
 * schedules kept when their spec is unchanged), and code deployments no longer declared are
 * deleted. Runs that exist are never touched, except unstarted scheduled runs of schedules
 * that change or go (changes.ts).
 *
 * @module
 */

import { CreateDeploymentBody, type ScheduleSpec } from "../../protocol/deployment.ts";
import type { AnyFlow, DeploymentDefinition } from "../../runtime/host.ts";
import { canonicalJson } from "../api/create_run.ts";
import { fieldOf } from "../api/errors.ts";
import { runIdFor } from "../api/run_ids.ts";
import type { WeirEnv } from "../env.ts";
import type { FlowRegistry } from "../registry.ts";
import { commitRevision, planRevision, removeDeployment, type ScheduleIdFor } from "./changes.ts";
import { syncDeploymentLimits } from "./limit_sync.ts";
import {
  type DeploymentFields,
  deploymentFields,
  readDeploymentByName,
  readDeployments,
} from "./store.ts";
import { defaultsProblem, defaultsProblemSync, schedulesProblem } from "./validate.ts";

/** The `weir_meta` key holding the hash of the code deployments last applied. */
export const CODE_HASH_KEY = "code_deployments_hash";

/** A deployment declared in code, checked and in the API's terms. */
export interface CodeDeployment {
  readonly fields: DeploymentFields;
  readonly flow: AnyFlow;
  /** The flow's schema validates asynchronously: the defaults are checked when applied. */
  readonly checkDefaultsWhenApplied: boolean;
}

/**
 * The stable id of a code-declared deployment, so a redeploy (or a removal and a return)
 * keeps it.
 *
 * @example
 * ```ts
 * await codeDeploymentId("reddit-pipeline", "every-2h"); // the same UUID every time
 * ```
 */
export function codeDeploymentId(flowName: string, name: string): Promise<string> {
  return runIdFor(`weir.deployment\u0000${flowName}`, name);
}

/** Stable schedule ids of a code deployment: from its id, the spec and its occurrence. */
function codeScheduleIds(deploymentId: string): ScheduleIdFor {
  return (spec, occurrence) =>
    runIdFor(`weir.schedule\u0000${deploymentId}`, `${canonicalJson(spec)}\u0000${occurrence}`);
}

function refuse(definition: DeploymentDefinition, field: string, message: string): Error {
  return new Error(
    `Deployment '${definition.flowName}/${String(definition.options?.name)}' declared in code is invalid: ${field}: ${message}`,
  );
}

function scheduleEntries(
  definition: DeploymentDefinition,
): { schedule: ScheduleSpec; active: boolean }[] {
  return (definition.options.schedules ?? []).map((entry) =>
    "schedule" in entry
      ? { schedule: entry.schedule, active: entry.active ?? true }
      : { schedule: entry, active: true },
  );
}

/**
 * Checks deployments declared in code and turns them into the API's terms.
 *
 * @example
 * ```ts
 * const code = checkCodeDeployments(registry, [every2h]);
 * ```
 * @throws {Error} naming the deployment and the field: its flow is not registered, a field is
 * malformed, a schedule means nothing, a default parameter does not fit the flow (for schemas
 * that validate synchronously), or two declarations share a flow and name.
 */
export function checkCodeDeployments(
  registry: FlowRegistry,
  definitions: readonly DeploymentDefinition[],
): CodeDeployment[] {
  const seen = new Set<string>();
  return definitions.map((definition) => {
    const flow = registry.get(definition.flowName);
    if (flow === undefined) {
      const known = registry.list().map((f) => f.flowName);
      throw refuse(
        definition,
        "flowName",
        `flow '${definition.flowName}' is not among the Worker's flows (${known.join(", ") || "none"}); add it to createWeirWorker({ flows })`,
      );
    }
    const o = definition.options;
    const parsed = CreateDeploymentBody.safeParse({
      flowName: definition.flowName,
      name: o.name,
      ...(o.description === undefined ? {} : { description: o.description }),
      ...(o.version === undefined ? {} : { version: o.version }),
      ...(o.tags === undefined ? {} : { tags: [...o.tags] }),
      ...(o.parameters === undefined ? {} : { parameters: o.parameters }),
      schedules: scheduleEntries(definition),
      ...(o.paused === undefined ? {} : { paused: o.paused }),
      ...(o.catchUp === undefined ? {} : { catchUp: o.catchUp }),
      ...(o.concurrencyLimit === undefined ? {} : { concurrencyLimit: o.concurrencyLimit }),
      ...(o.collisionStrategy === undefined ? {} : { collisionStrategy: o.collisionStrategy }),
      ...(o.concurrencyKey === undefined ? {} : { concurrencyKey: o.concurrencyKey }),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw refuse(definition, fieldOf(issue?.path ?? []) || "options", issue?.message ?? "");
    }
    const body = parsed.data;
    const key = `${body.flowName}\u0000${body.name}`;
    if (seen.has(key)) {
      throw refuse(
        definition,
        "name",
        "declared twice; each flow's deployments need distinct names",
      );
    }
    seen.add(key);
    const scheduleProblem = schedulesProblem(body.schedules);
    if (scheduleProblem !== undefined) {
      throw refuse(definition, scheduleProblem.field, scheduleProblem.message);
    }
    const defaults = defaultsProblemSync(flow, body.parameters);
    if (defaults !== undefined && defaults !== "async") {
      throw refuse(definition, defaults.field, defaults.message);
    }
    return {
      flow,
      checkDefaultsWhenApplied: defaults === "async",
      fields: deploymentFields(body),
    };
  });
}

/**
 * The hash of a set of code deployments: equal declarations, in any order, hash equal.
 *
 * @example
 * ```ts
 * const hash = await codeDeploymentsHash(code);
 * ```
 */
export async function codeDeploymentsHash(code: readonly CodeDeployment[]): Promise<string> {
  const declared = code
    .map((c) => c.fields)
    .sort((a, b) =>
      a.flowName === b.flowName ? (a.name < b.name ? -1 : 1) : a.flowName < b.flowName ? -1 : 1,
    );
  const bytes = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(canonicalJson({ format: 1, declared })),
    ),
  );
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What applying code deployments did. */
export interface ApplyReport {
  /** False when the stored hash matched: nothing was read beyond it, nothing written. */
  readonly applied: boolean;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  /** Declarations refused at apply time (defaults of async schemas), by `flow/name`. */
  readonly refused: readonly string[];
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && /UNIQUE constraint failed/i.test(error.message);
}

/** Brings one code deployment to its declaration; "created", "updated" or "same". */
async function applyOne(
  env: WeirEnv,
  wanted: CodeDeployment,
  now: number,
): Promise<"created" | "updated" | "same"> {
  const { fields } = wanted;
  const stored = await readDeploymentByName(env.DB, fields.flowName, fields.name);
  const id = stored?.row.id ?? (await codeDeploymentId(fields.flowName, fields.name));
  const plan = await planRevision(env.DB, stored, id, fields, "code", now, codeScheduleIds(id));
  if (!plan.changed) return "same";
  if (stored !== undefined) {
    await syncDeploymentLimits(env, id, stored.row.concurrency_limit, fields.concurrencyLimit);
  }
  await commitRevision(env, id, plan);
  return stored === undefined ? "created" : "updated";
}

/**
 * Applies code deployments if their hash differs from the one last applied.
 *
 * @example
 * ```ts
 * const report = await applyCodeDeployments(env, code, Date.now());
 * ```
 */
export async function applyCodeDeployments(
  env: WeirEnv,
  code: readonly CodeDeployment[],
  now: number,
): Promise<ApplyReport> {
  const hash = await codeDeploymentsHash(code);
  const stored = await env.DB.prepare("SELECT value FROM weir_meta WHERE key = ?")
    .bind(CODE_HASH_KEY)
    .first<{ value: string }>();
  if (stored?.value === hash) {
    return { applied: false, created: 0, updated: 0, deleted: 0, refused: [] };
  }
  const counts = { created: 0, updated: 0, same: 0, deleted: 0 };
  const refused: string[] = [];
  const declared = new Set<string>();
  for (const wanted of code) {
    const { flowName, name } = wanted.fields;
    declared.add(`${flowName}\u0000${name}`);
    if (wanted.checkDefaultsWhenApplied) {
      const problem = await defaultsProblem(wanted.flow, wanted.fields.parameters);
      if (problem !== undefined) {
        console.error(
          `weir: NOT APPLIED: deployment '${flowName}/${name}' declared in code has invalid default parameters: ${problem.field}: ${problem.message}`,
        );
        refused.push(`${flowName}/${name}`);
        continue;
      }
    }
    let outcome: "created" | "updated" | "same";
    try {
      outcome = await applyOne(env, wanted, now);
    } catch (error) {
      // Another isolate of the new version applied it at the same moment: read it again.
      if (!isUniqueViolation(error)) throw error;
      outcome = await applyOne(env, wanted, now);
    }
    counts[outcome]++;
  }
  for (const gone of await readDeployments(env.DB, { source: "code" })) {
    if (declared.has(`${gone.row.flow_name}\u0000${gone.row.name}`)) continue;
    await removeDeployment(env, gone);
    counts.deleted++;
  }
  await env.DB.prepare(
    "INSERT INTO weir_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  )
    .bind(CODE_HASH_KEY, hash)
    .run();
  return {
    applied: true,
    created: counts.created,
    updated: counts.updated,
    deleted: counts.deleted,
    refused,
  };
}

/** After a failed apply, how long an isolate waits before trying again. */
export const APPLY_RETRY_MS = 60_000;

/**
 * Applies code deployments once per isolate: the first request or tick applies them (or
 * finds the hash unchanged), later ones wait for that and then cost nothing. A failure is
 * logged and tried again after {@link APPLY_RETRY_MS}; it never fails the request.
 *
 * @example
 * ```ts
 * const ensureApplied = codeDeploymentApplier(code);
 * await ensureApplied(env); // in fetch and scheduled
 * ```
 */
export function codeDeploymentApplier(
  code: readonly CodeDeployment[],
): (env: WeirEnv) => Promise<void> {
  let done: Promise<void> | undefined;
  let retryAt = 0;
  return (env) => {
    if (done !== undefined) return done;
    if (Date.now() < retryAt) return Promise.resolve();
    done = applyCodeDeployments(env, code, Date.now()).then(
      (report) => {
        if (report.applied) {
          console.log(
            `weir: applied code deployments: ${report.created} created, ${report.updated} updated, ${report.deleted} deleted${report.refused.length === 0 ? "" : `, ${report.refused.length} refused (${report.refused.join(", ")})`}`,
          );
        }
      },
      (error: unknown) => {
        done = undefined;
        retryAt = Date.now() + APPLY_RETRY_MS;
        console.error(
          `weir: applying the deployments declared in code failed; trying again in ${APPLY_RETRY_MS / 1000} s`,
          error,
        );
      },
    );
    return done;
  };
}
