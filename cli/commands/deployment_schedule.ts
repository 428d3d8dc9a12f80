/**
 * `weir deployment schedule ls|create|pause|resume|delete`: a deployment's schedules, and
 * `weir schedule preview`: the next times of a schedule before it is saved.
 *
 * @module
 */

import type { Command } from "commander";
import type { Deployment, DeploymentSchedule } from "../../protocol/deployment.ts";
import { type Context, makeContext, printJson } from "../context.ts";
import { bold, deploymentRef, relativeTime, scheduleText } from "../format.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";
import {
  addScheduleOptions,
  type ScheduleOptions,
  scheduleFromOptions,
  withScheduleFlag,
} from "../schedule_options.ts";
import { UsageError } from "../usage_error.ts";
import { findDeployment, scheduleTable } from "./deployment.ts";

/** The schedule `scheduleId` of `d`, or a usage error that lists its schedules. */
function scheduleOf(d: Deployment, scheduleId: string): DeploymentSchedule {
  const found = d.schedules.find((s) => s.id === scheduleId);
  if (found !== undefined) return found;
  const ref = deploymentRef(d);
  const ids = d.schedules.map((s) => `${s.id} (${scheduleText(s.schedule)})`);
  throw new UsageError(
    ids.length === 0
      ? `Deployment '${ref}' has no schedules; add one with \`weir deployment schedule create ${ref} --cron EXPR\``
      : `Deployment '${ref}' has no schedule '${scheduleId}'; its schedules are ${ids.join(", ")}`,
  );
}

/** One line about a schedule: `Every 2 hours (active); next run in 1h 59m`. */
function scheduleLine(d: Deployment, s: DeploymentSchedule): string {
  const next = d.paused
    ? "the deployment is paused"
    : s.active
      ? `next run ${relativeTime(s.nextRunAt)}`
      : "no runs until it is resumed";
  return `${scheduleText(s.schedule)} (${s.active ? "active" : "inactive"}); ${next}`;
}

/** Options of `weir deployment schedule create`. */
interface CreateOptions extends ScheduleOptions {
  inactive?: boolean;
  json?: boolean;
}

/** `weir deployment schedule create`. */
async function createSchedule(ctx: Context, ref: string, opts: CreateOptions): Promise<void> {
  const schedule = scheduleFromOptions(opts, true);
  if (schedule === undefined) return; // scheduleFromOptions threw already
  const before = await findDeployment(ctx, ref);
  const d = await ctx.client
    .createSchedule(before.id, { schedule, active: !opts.inactive })
    .catch((error: unknown) => {
      throw withScheduleFlag(error, opts);
    });
  if (opts.json) return printJson(ctx, d);
  const had = new Set(before.schedules.map((s) => s.id));
  const added = d.schedules.find((s) => !had.has(s.id));
  if (added === undefined) ctx.out(`Added the schedule to deployment '${deploymentRef(d)}'`);
  else {
    ctx.out(
      `Created schedule ${added.id} of deployment '${deploymentRef(d)}': ${scheduleLine(d, added)}`,
    );
  }
}

/** The options of `weir schedule preview`. */
interface PreviewOptions extends ScheduleOptions {
  count: string;
  from?: string;
  json?: boolean;
}

/** `weir schedule preview`. */
async function preview(ctx: Context, opts: PreviewOptions): Promise<void> {
  const count = Number(opts.count);
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new UsageError(`--count must be a whole number from 1 to 100; got '${opts.count}'`);
  }
  const schedule = scheduleFromOptions(opts, true) as NonNullable<
    ReturnType<typeof scheduleFromOptions>
  >;
  let from: string | undefined;
  if (opts.from !== undefined) {
    const ms = Date.parse(opts.from);
    if (Number.isNaN(ms)) {
      throw new UsageError(
        `--from needs an ISO 8601 time such as 2030-01-01T00:00:00Z; got '${opts.from}'`,
      );
    }
    from = new Date(ms).toISOString();
  }
  const answer = await ctx.client
    .previewSchedule(schedule, { count, ...(from === undefined ? {} : { from }) })
    .catch((error: unknown) => {
      throw withScheduleFlag(error, opts);
    });
  if (opts.json) return printJson(ctx, answer);
  ctx.out(bold(answer.description, ctx.color));
  const now = Date.now();
  for (const time of answer.times) ctx.out(`  ${time}  (${relativeTime(Date.parse(time), now)})`);
}

/**
 * Adds `weir deployment schedule` under `weir deployment`, and `weir schedule preview`.
 *
 * @example
 * ```ts
 * deploymentScheduleCommands(program, deploymentCommands(program, globalsOf), globalsOf);
 * ```
 */
export function deploymentScheduleCommands(
  program: Command,
  deployment: Command,
  globals: GlobalsOf,
): void {
  const ctxOf = (cmd: Command) => makeContext(globals(cmd));
  const sched = deployment
    .command("schedule")
    .description("List, add, pause, resume and delete a deployment's schedules");
  example(
    sched,
    "weir deployment schedule ls data-engineer/hourly",
    "weir deployment schedule create data-engineer/hourly --cron '0 */2 * * *' --timezone America/Sao_Paulo",
  );

  example(
    sched
      .command("ls")
      .description("List a deployment's schedules: in words, as given, and the next run")
      .argument("<deployment>", "FLOW/NAME or the deployment's id")
      .option("--json", "print the API's JSON (the deployment's schedules)")
      .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const d = await findDeployment(ctx, ref);
        if (opts.json) return printJson(ctx, d.schedules);
        if (d.schedules.length === 0) {
          return ctx.out(
            `Deployment '${deploymentRef(d)}' has no schedules; add one with \`weir deployment schedule create ${deploymentRef(d)} --cron EXPR\``,
          );
        }
        ctx.out(scheduleTable(ctx, d));
      }),
    "weir deployment schedule ls reddit-pipeline/every-2h --json",
  );

  example(
    addScheduleOptions(
      sched
        .command("create")
        .description("Add a schedule to a deployment (one of --cron, --interval, --rrule)")
        .argument("<deployment>", "FLOW/NAME or the deployment's id"),
    )
      .option("--inactive", "add it inactive (resume it later)")
      .option("--json", "print the API's JSON")
      .action(async (ref: string, opts: CreateOptions, cmd: Command) => {
        await createSchedule(ctxOf(cmd), ref, opts);
      }),
    "weir deployment schedule create data-engineer/hourly --interval 2h",
    "weir deployment schedule create data-engineer/hourly --cron '0 0 * * *' --timezone America/Sao_Paulo",
    "weir deployment schedule create data-engineer/hourly --rrule 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9'",
  );

  const change = (verb: "pause" | "resume" | "delete", description: string) =>
    example(
      sched
        .command(verb)
        .description(description)
        .argument("<deployment>", "FLOW/NAME or the deployment's id")
        .argument("<schedule-id>", "the schedule's id (weir deployment schedule ls)")
        .option("--json", "print the API's JSON")
        .action(async (ref: string, scheduleId: string, opts: { json?: boolean }, cmd: Command) => {
          const ctx = ctxOf(cmd);
          const before = await findDeployment(ctx, ref);
          const s = scheduleOf(before, scheduleId);
          if (verb === "delete") {
            await ctx.client.deleteSchedule(before.id, s.id);
            if (opts.json) return printJson(ctx, await ctx.client.getDeployment(before.id));
            return ctx.out(
              `Deleted schedule ${s.id} (${scheduleText(s.schedule)}) of deployment '${deploymentRef(before)}'`,
            );
          }
          const d = await ctx.client.updateSchedule(before.id, s.id, {
            active: verb === "resume",
          });
          if (opts.json) return printJson(ctx, d);
          const now = d.schedules.find((x) => x.id === s.id) ?? s;
          ctx.out(
            `${verb === "pause" ? "Paused" : "Resumed"} schedule ${s.id} of deployment '${deploymentRef(d)}': ${scheduleLine(d, now)}`,
          );
        }),
      `weir deployment schedule ${verb} data-engineer/hourly SCHEDULE_ID`,
    );
  change("pause", "Deactivate a schedule: its runs that have not started are removed");
  change("resume", "Activate a schedule again: it schedules runs from now");
  change("delete", "Delete a schedule and its runs that have not started");

  const schedule = program
    .command("schedule")
    .description("Try a schedule before saving it: its next times and its meaning in words");
  example(schedule, "weir schedule preview --cron '0 */2 * * *' --count 3");
  example(
    addScheduleOptions(
      schedule
        .command("preview")
        .description(
          "Print a schedule in words and its next times (one of --cron, --interval, --rrule)",
        ),
    )
      .option("--count <n>", "how many times (1 to 100)", "5")
      .option("--from <iso>", "the times after this one (default now)")
      .option("--json", "print the API's JSON")
      .action(async (opts: PreviewOptions, cmd: Command) => {
        await preview(ctxOf(cmd), opts);
      }),
    "weir schedule preview --cron '0 0 * * *' --timezone America/Sao_Paulo --count 3",
    "weir schedule preview --interval 90m --from 2030-01-01T00:00:00Z",
  );
}
