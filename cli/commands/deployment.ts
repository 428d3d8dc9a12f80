/**
 * `weir deployment ls|inspect|run|create|update|pause|resume|delete`: the deployments on the
 * server, addressed as `flow-name/deployment-name` or by id. Their schedules are
 * `weir deployment schedule ...` (deployment_schedule.ts); `update` is deployment_update.ts.
 *
 * @module
 */

import type { Command } from "commander";
import { WeirApiError } from "../../client/errors.ts";
import type { CatchUpPolicy, Deployment } from "../../protocol/deployment.ts";
import { type Context, makeContext, printJson } from "../context.ts";
import {
  bold,
  deploymentRef,
  nextRunOf,
  relativeTime,
  scheduleSpecText,
  scheduleText,
  stateText,
  table,
} from "../format.ts";
import {
  addDeploymentLimitOptions,
  type DeploymentLimitOptions,
  deploymentLimitFields,
  deploymentLimitText,
} from "../limit_options.ts";
import { buildParams } from "../params.ts";
import { collect, example, type GlobalsOf } from "../program_helpers.ts";
import {
  addStartRunOptions,
  reportStartedRun,
  type StartRunOptions,
  startRunInput,
} from "../run_start.ts";
import {
  addScheduleOptions,
  type ScheduleOptions,
  scheduleFromOptions,
  withScheduleFlag,
} from "../schedule_options.ts";
import { UsageError } from "../usage_error.ts";

/**
 * The deployment `ref` names (`flow/name` or an id); when there is none, a usage error that
 * lists the known ones.
 *
 * @example
 * ```ts
 * const d = await findDeployment(ctx, "elevator/hourly");
 * ```
 */
export async function findDeployment(ctx: Context, ref: string): Promise<Deployment> {
  try {
    return await ctx.client.resolveDeployment(ref);
  } catch (error) {
    // 404: no such deployment; 400/422: not even the shape of an id.
    if (!(error instanceof WeirApiError) || ![400, 404, 422].includes(error.status)) throw error;
    const known = (await ctx.client.listDeployments()).map(deploymentRef).sort();
    const how = ref.includes("/") ? "" : " Address a deployment as FLOW/NAME or by its id.";
    throw new UsageError(
      known.length === 0
        ? `No deployment '${ref}': the server has none yet. Declare one with deployment(...) in your Worker, or create one with \`weir deployment create FLOW/NAME\`.`
        : `No deployment '${ref}'.${how} Known deployments: ${known.join(", ")}`,
    );
  }
}

/** The active schedules in words, `; `-separated, or "-". */
function schedulesText(d: Deployment): string {
  const active = d.schedules.filter((s) => s.active).map((s) => scheduleText(s.schedule));
  return active.join("; ") || "-";
}

/** `weir deployment ls`. */
async function listDeployments(ctx: Context, opts: { json?: boolean }): Promise<void> {
  const deployments = await ctx.client.listDeployments();
  if (opts.json) return printJson(ctx, deployments);
  if (deployments.length === 0) {
    return ctx.out(
      "No deployments yet. Declare one with deployment(...) in your Worker, or run `weir deployment create FLOW/NAME --cron '0 * * * *'`.",
    );
  }
  const now = Date.now();
  ctx.out(
    table(
      ["DEPLOYMENT", "SCHEDULE", "NEXT RUN", "PAUSED", "TAGS"].map((h) => bold(h, ctx.color)),
      deployments.map((d) => [
        deploymentRef(d),
        schedulesText(d),
        relativeTime(nextRunOf(d), now),
        d.paused ? "yes" : "no",
        d.tags.join(",") || "-",
      ]),
    ),
  );
}

/** The human view of a deployment, with its schedules and upcoming runs. */
async function showDeployment(ctx: Context, d: Deployment): Promise<void> {
  const now = Date.now();
  ctx.out(
    [
      `${bold("Deployment", ctx.color)}   ${deploymentRef(d)} (${d.id})`,
      `Description  ${d.description ?? "-"}`,
      `Version      ${d.version ?? "-"}`,
      `Tags         ${d.tags.join(", ") || "-"}`,
      `Parameters   ${JSON.stringify(d.parameters)}`,
      `Paused       ${d.paused ? "yes" : "no"}`,
      `Catch-up     ${d.catchUp}`,
      `Concurrency  ${deploymentLimitText(d)}`,
      `Next run     ${relativeTime(nextRunOf(d), now)}`,
      `Source       ${d.source === "code" ? "declared in the Worker's code" : "created over the API"}`,
    ].join("\n"),
  );
  if (d.schedules.length > 0) {
    ctx.out("");
    ctx.out(scheduleTable(ctx, d, now));
  }
  const upcoming = await ctx.client.listDeploymentRuns(d.id, { state: "SCHEDULED", limit: 5 });
  if (upcoming.runs.length > 0) {
    ctx.out("");
    ctx.out(
      table(
        ["UPCOMING RUN", "ID", "STATE", "STARTS"].map((h) => bold(h, ctx.color)),
        upcoming.runs.map((r) => [
          r.name,
          r.id,
          stateText(r.state, ctx.color),
          relativeTime(r.scheduledAt, now),
        ]),
      ),
    );
  }
}

/**
 * A deployment's schedules as a table: id, active, in words, as typed, next run.
 *
 * @example
 * ```ts
 * ctx.out(scheduleTable(ctx, deployment));
 * ```
 */
export function scheduleTable(ctx: Context, d: Deployment, now: number = Date.now()): string {
  return table(
    ["SCHEDULE ID", "ACTIVE", "SCHEDULE", "SPEC", "NEXT RUN"].map((h) => bold(h, ctx.color)),
    d.schedules.map((s) => [
      s.id,
      s.active ? "yes" : "no",
      scheduleText(s.schedule),
      scheduleSpecText(s.schedule),
      relativeTime(d.paused || !s.active ? null : s.nextRunAt, now),
    ]),
  );
}

/** Options of `weir deployment create`. */
interface CreateOptions extends ScheduleOptions, DeploymentLimitOptions {
  param: string[];
  tag: string[];
  description?: string;
  version?: string;
  inactive?: boolean;
  paused?: boolean;
  catchUp?: string;
  json?: boolean;
}

const CATCH_UP = ["skip", "latest", "all"];

/** `weir deployment create FLOW/NAME`. */
async function createDeployment(ctx: Context, ref: string, opts: CreateOptions): Promise<void> {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) {
    throw new UsageError(`Name the deployment as FLOW/NAME, such as elevator/hourly; got '${ref}'`);
  }
  if (opts.catchUp !== undefined && !CATCH_UP.includes(opts.catchUp)) {
    throw new UsageError(`--catch-up must be one of ${CATCH_UP.join(", ")}; got '${opts.catchUp}'`);
  }
  const schedule = scheduleFromOptions(opts, false);
  const d = await ctx.client
    .createDeployment({
      flowName: ref.slice(0, slash),
      name: ref.slice(slash + 1),
      parameters: buildParams(opts.param),
      tags: opts.tag,
      ...(opts.description === undefined ? {} : { description: opts.description }),
      ...(opts.version === undefined ? {} : { version: opts.version }),
      ...(schedule === undefined ? {} : { schedules: [{ schedule, active: !opts.inactive }] }),
      ...(opts.paused ? { paused: true } : {}),
      ...(opts.catchUp === undefined ? {} : { catchUp: opts.catchUp as CatchUpPolicy }),
      ...deploymentLimitFields(opts),
    })
    .catch((error: unknown) => {
      if (error instanceof WeirApiError && error.status === 409) {
        throw new UsageError(
          `Deployment '${ref}' already exists. See it with \`weir deployment inspect ${ref}\`; add schedules with \`weir deployment schedule create ${ref}\`, or delete it first with \`weir deployment delete ${ref}\``,
        );
      }
      throw withScheduleFlag(error, opts);
    });
  if (opts.json) return printJson(ctx, d);
  const schedules = d.schedules.some((s) => s.active)
    ? schedulesText(d)
    : d.schedules.length === 0
      ? "no schedule"
      : "its schedule is inactive";
  ctx.out(`Created deployment '${deploymentRef(d)}' (${d.id}): ${schedules}`);
  ctx.out(`Run it with: weir deployment run ${deploymentRef(d)} --watch`);
}

/**
 * Adds `weir deployment` to the program and answers it (for the `schedule` subcommands).
 *
 * @example
 * ```ts
 * deploymentScheduleCommands(deploymentCommands(program, globalsOf), globalsOf);
 * ```
 */
export function deploymentCommands(program: Command, globals: GlobalsOf): Command {
  const dep = program
    .command("deployment")
    .description(
      "List, inspect, run, pause and resume deployments (a flow with defaults and schedules)",
    );
  example(
    dep,
    "weir deployment ls",
    "weir deployment run cat-fact/catfact-ninja --watch",
    "weir deployment schedule ls data-engineer/hourly",
  );
  const ctxOf = (cmd: Command) => makeContext(globals(cmd));

  example(
    dep
      .command("ls")
      .description("List deployments: schedule in words, next run, paused, tags")
      .option("--json", "print the API's JSON (an array of deployments)")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        await listDeployments(ctxOf(cmd), opts);
      }),
    "weir deployment ls --json | jq '.[] | .flowName + \"/\" + .name'",
  );

  example(
    dep
      .command("inspect")
      .description("Show a deployment: parameters, schedules and upcoming runs")
      .argument("<deployment>", "FLOW/NAME or the deployment's id")
      .option("--json", "print the API's JSON")
      .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const d = await findDeployment(ctx, ref);
        if (opts.json) printJson(ctx, d);
        else await showDeployment(ctx, d);
      }),
    "weir deployment inspect reddit-pipeline/every-2h",
  );

  example(
    addStartRunOptions(
      dep
        .command("run")
        .description(
          "Start a run of a deployment: its default parameters with --param over them (JSON when they parse)",
        )
        .argument("<deployment>", "FLOW/NAME or the deployment's id"),
    ).action(async (ref: string, opts: StartRunOptions, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const d = await findDeployment(ctx, ref);
      const run = await ctx.client.createDeploymentRun(d.id, startRunInput(opts));
      process.exitCode = await reportStartedRun(ctx, run, opts, `deployment '${deploymentRef(d)}'`);
    }),
    "weir deployment run cat-fact/catfact-ninja --watch",
    "weir deployment run data-engineer/hourly --param testDataRatio=0.3 --tag manual",
    "weir deployment run reddit-pipeline/every-2h --params-file params.json --at +10m",
  );

  example(
    addDeploymentLimitOptions(
      addScheduleOptions(
        dep
          .command("create")
          .description("Create a deployment of a registered flow, optionally with a schedule")
          .argument("<deployment>", "FLOW/NAME: the flow and the new deployment's name")
          .option("-p, --param <key=value>", "a default parameter (repeatable)", collect, [])
          .option("--tag <tag>", "a tag its runs get (repeatable)", collect, [])
          .option("--description <text>", "what it is for")
          .option("--version <version>", "a version label")
          .option("--catch-up <policy>", `after downtime: ${CATCH_UP.join(", ")} (default skip)`)
          .option("--paused", "create it paused")
          .option("--inactive", "create the schedule inactive"),
      ),
      false,
    )
      .option("--json", "print the API's JSON")
      .action(async (ref: string, opts: CreateOptions, cmd: Command) => {
        await createDeployment(ctxOf(cmd), ref, opts);
      }),
    "weir deployment create elevator/hourly --param floors=3 --interval 1h",
    "weir deployment create cat-fact/nightly --cron '0 0 * * *' --timezone America/Sao_Paulo",
    "weir deployment create elevator/one-at-a-time --concurrency-limit 1",
  );

  const change = (
    verb: "pause" | "resume",
    description: string,
    act: (ctx: Context, id: string) => Promise<Deployment>,
  ) =>
    example(
      dep
        .command(verb)
        .description(description)
        .argument("<deployment>", "FLOW/NAME or the deployment's id")
        .option("--json", "print the API's JSON")
        .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
          const ctx = ctxOf(cmd);
          const d = await act(ctx, (await findDeployment(ctx, ref)).id);
          if (opts.json) return printJson(ctx, d);
          ctx.out(
            d.paused
              ? `Paused deployment '${deploymentRef(d)}': no runs are scheduled until it resumes`
              : `Resumed deployment '${deploymentRef(d)}': next run ${relativeTime(nextRunOf(d))}`,
          );
        }),
      `weir deployment ${verb} reddit-pipeline/every-2h`,
    );
  change(
    "pause",
    "Pause a deployment: its scheduled runs that have not started are removed",
    (ctx, id) => ctx.client.pauseDeployment(id),
  );
  change("resume", "Resume a deployment: it schedules runs again from now", (ctx, id) =>
    ctx.client.resumeDeployment(id),
  );

  example(
    dep
      .command("delete")
      .description("Delete a deployment, its schedules and its runs that have not started")
      .argument("<deployment>", "FLOW/NAME or the deployment's id")
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const d = await findDeployment(ctx, ref);
        await ctx.client.deleteDeployment(d.id);
        ctx.out(`Deleted deployment '${deploymentRef(d)}' (${d.id})`);
      }),
    "weir deployment delete elevator/hourly  # one made with weir deployment create",
  );
  return dep;
}
