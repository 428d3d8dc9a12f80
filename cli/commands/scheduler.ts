/**
 * `weir scheduler tick`: runs the scheduler's tick now, as the Cron Trigger does every minute
 * (useful under `wrangler dev`, which runs no crons by itself, and to see what a tick does).
 *
 * @module
 */

import type { Command } from "commander";
import type { SchedulerTickSummary } from "../../client/deployments.ts";
import { makeContext, printJson } from "../context.ts";
import { bold, clock, duration } from "../format.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";

/**
 * What a tick did, for people: a heading, then one aligned line per count, then any problems.
 *
 * @example
 * ```ts
 * for (const line of tickLines(await client.schedulerTick())) console.log(line);
 * ```
 */
export function tickLines(summary: SchedulerTickSummary, color = false): string[] {
  const rows: [string, string][] = [
    ["Schedules due", String(summary.schedulesDue)],
    [
      "Runs created",
      `${summary.runsCreated}${summary.catchUpRuns > 0 ? ` (${summary.catchUpRuns} for missed times)` : ""}`,
    ],
    ["Already created", String(summary.runsExisting)],
    ["Marked Late", String(summary.lateMarked)],
    ["Discarded", String(summary.runsDiscarded)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    bold(`Scheduler tick at ${clock(summary.at)} (took ${duration(summary.durationMs)})`, color),
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    ...(summary.problems.length === 0 ? [] : ["  Problems:"]),
    ...summary.problems.map((p) => `    schedule ${p.scheduleId}: ${p.message}`),
  ];
}

/**
 * Adds `weir scheduler` to the program.
 *
 * @example
 * ```ts
 * schedulerCommands(program, globalsOf);
 * ```
 */
export function schedulerCommands(program: Command, globals: GlobalsOf): void {
  const scheduler = program
    .command("scheduler")
    .description("Drive the scheduler: create the coming scheduled runs, mark late ones");
  example(scheduler, "weir scheduler tick");
  example(
    scheduler
      .command("tick")
      .description(
        "Run the scheduler's tick now (the Cron Trigger does every minute) and print what it did",
      )
      .option("--json", "print the API's JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const ctx = makeContext(globals(cmd));
        const summary = await ctx.client.schedulerTick();
        if (opts.json) return printJson(ctx, summary);
        for (const line of tickLines(summary, ctx.color)) ctx.out(line);
      }),
    "weir scheduler tick --json | jq .runsCreated",
  );
}
