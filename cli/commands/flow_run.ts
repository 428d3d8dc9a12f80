/**
 * `weir flow-run ls|inspect|logs|cancel|retry|send-event|watch`: the runs on the server.
 *
 * @module
 */

import type { Command } from "commander";
import type { ListRunsQuery } from "../../client/client.ts";
import type { LogLevelName } from "../../protocol/log.ts";
import type { RunDetail, RunSummary } from "../../protocol/run.ts";
import type { StateType } from "../../protocol/state.ts";
import { type Context, makeContext, printJson } from "../context.ts";
import { bold, clock, relativeTime, span, stateText, table } from "../format.ts";
import { parseJsonOption, parseSince } from "../params.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";
import { UsageError } from "../usage_error.ts";
import { watchRun } from "../watch.ts";
import { findDeployment } from "./deployment.ts";

const STATES = [
  "SCHEDULED",
  "PENDING",
  "RUNNING",
  "PAUSED",
  "CANCELLING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "CRASHED",
];
const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/** Options of `weir flow-run ls`. */
interface ListOptions {
  flow?: string;
  deployment?: string;
  state?: string;
  tag?: string;
  since?: string;
  limit: string;
  json?: boolean;
}

/** The `--limit` value, or a usage error. */
function limitOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`--limit must be a whole number of 1 or more; got '${text}'`);
  }
  return n;
}

/** `weir flow-run ls`. */
async function listRuns(ctx: Context, opts: ListOptions): Promise<void> {
  const limit = limitOf(opts.limit);
  const state = opts.state?.toUpperCase();
  if (state !== undefined && !STATES.includes(state)) {
    throw new UsageError(`--state must be one of ${STATES.join(", ")}; got '${opts.state}'`);
  }
  const query: ListRunsQuery = {
    limit: Math.min(limit, 200),
    ...(opts.flow === undefined ? {} : { flow: opts.flow }),
    ...(opts.deployment === undefined
      ? {}
      : { deployment: (await findDeployment(ctx, opts.deployment)).id }),
    ...(state === undefined ? {} : { state: state as StateType }),
    ...(opts.tag === undefined ? {} : { tag: opts.tag }),
    ...(opts.since === undefined ? {} : { since: parseSince(opts.since) }),
  };
  const runs: RunSummary[] = [];
  for await (const run of ctx.client.listRuns(query)) {
    runs.push(run);
    if (runs.length >= limit) break;
  }
  if (opts.json) return printJson(ctx, runs);
  if (runs.length === 0) return ctx.out("No flow runs match.");
  const now = Date.now();
  ctx.out(
    table(
      ["ID", "NAME", "FLOW", "STATE", "CREATED", "DURATION"].map((h) => bold(h, ctx.color)),
      runs.map((r) => [
        r.id,
        r.name,
        r.flowName,
        stateText(r.state, ctx.color),
        relativeTime(r.createdAt, now),
        span(r.startedAt, r.endedAt, now),
      ]),
    ),
  );
}

/** The human view of a run. */
function showRun(ctx: Context, run: RunDetail): void {
  const now = Date.now();
  const started = run.stateHistory.find((s) => s.type === "RUNNING")?.timestamp ?? null;
  const ended =
    run.state !== null && ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"].includes(run.state.type)
      ? run.state.timestamp
      : null;
  const lines = [
    `${bold("Flow run", ctx.color)}  ${run.name} (${run.id})`,
    `Flow      ${run.flowName}`,
    ...(run.deploymentId === null || run.deploymentId === undefined
      ? []
      : [`Deployment ${run.deploymentId}${run.scheduleId ? " (scheduled)" : ""}`]),
    `State     ${stateText(run.state, ctx.color)}${run.state?.message ? `: ${run.state.message}` : ""}`,
    `Started   ${started === null ? "-" : relativeTime(started, now)}`,
    `Duration  ${span(started, ended, now)}`,
    `Tags      ${run.tags.join(", ") || "-"}`,
    `Params    ${JSON.stringify(run.parameters)}`,
  ];
  if (run.error !== null) lines.push(`Error     ${run.error.message}`);
  if (run.result !== undefined && run.result !== null) {
    lines.push(`Result    ${JSON.stringify(run.result).slice(0, 200)}`);
  }
  ctx.out(lines.join("\n"));
  const steps = run.steps.filter((s) => s.kind !== "group");
  if (steps.length > 0) {
    ctx.out("");
    ctx.out(
      table(
        ["STEP", "KIND", "STATE", "ATTEMPTS", "DURATION"].map((h) => bold(h, ctx.color)),
        steps.map((s) => [
          s.runName,
          s.kind,
          stateText(s.state, ctx.color),
          String(s.attempts),
          span(s.startedAt, s.endedAt, now),
        ]),
      ),
    );
  }
}

/** Options of `weir flow-run logs`. */
interface LogsOptions {
  follow?: boolean;
  level: string;
  task?: string;
  json?: boolean;
}

/** `weir flow-run logs`. */
async function showLogs(ctx: Context, id: string, opts: LogsOptions): Promise<void> {
  const level = opts.level.toUpperCase();
  if (!LEVELS.includes(level)) {
    throw new UsageError(`--level must be one of ${LEVELS.join(", ")}; got '${opts.level}'`);
  }
  let stepIds: Set<string> | undefined;
  if (opts.task !== undefined) {
    const run = await ctx.client.getRun(id);
    const task = opts.task;
    stepIds = new Set(
      run.steps.filter((s) => s.name === task || s.runName === task).map((s) => s.id),
    );
    if (stepIds.size === 0 && !opts.follow) {
      const names = [...new Set(run.steps.map((s) => s.name))];
      throw new UsageError(
        `Run ${id} has no task named '${task}'; its tasks are ${names.join(", ") || "none yet"}`,
      );
    }
  }
  for await (const line of ctx.client.logs(id, {
    level: level as LogLevelName,
    follow: opts.follow === true,
  })) {
    if (stepIds !== undefined && (line.stepId === undefined || !stepIds.has(line.stepId))) {
      continue;
    }
    if (opts.json) ctx.out(JSON.stringify(line));
    else
      ctx.out(`${clock(line.timestamp)}  ${line.level.padEnd(8)} ${line.source}: ${line.message}`);
  }
}

/**
 * Adds `weir flow-run` to the program.
 *
 * @example
 * ```ts
 * flowRunCommands(program, globalsOf);
 * ```
 */
export function flowRunCommands(program: Command, globals: GlobalsOf): void {
  const fr = program.command("flow-run").description("List, inspect, follow and control runs");
  example(fr, "weir flow-run ls --state FAILED", "weir flow-run watch RUN_ID");
  const ctxOf = (cmd: Command) => makeContext(globals(cmd));

  example(
    fr
      .command("ls")
      .description("List runs, newest first")
      .option("--flow <name>", "only this flow's runs")
      .option("--deployment <ref>", "only this deployment's runs (FLOW/NAME or its id)")
      .option("--state <type>", `only runs in this state (${STATES.join(", ")})`)
      .option("--tag <tag>", "only runs with this tag")
      .option("--since <time>", "created since: ISO 8601, epoch ms, or 30m / 2h / 1d ago")
      .option("--limit <n>", "at most this many runs", "20")
      .option("--json", "print the API's JSON (an array of runs)")
      .action(async (opts: ListOptions, cmd: Command) => {
        await listRuns(ctxOf(cmd), opts);
      }),
    "weir flow-run ls --flow cat-fact --state COMPLETED --since 2h --json",
    "weir flow-run ls --deployment reddit-pipeline/every-2h --state SCHEDULED",
  );

  example(
    fr
      .command("inspect")
      .description("Show a run: its state, parameters, result and steps")
      .argument("<id>", "the run's id")
      .option("--json", "print the API's JSON")
      .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = ctxOf(cmd);
        const run = await ctx.client.getRun(id);
        if (opts.json) printJson(ctx, run);
        else showRun(ctx, run);
      }),
    "weir flow-run inspect 0b7a2c1e-5d4f-4e3a-9c8b-7a6f5e4d3c2b",
  );

  example(
    fr
      .command("logs")
      .description("Print a run's log lines")
      .argument("<id>", "the run's id")
      .option("-f, --follow", "keep printing until the run ends")
      .option("--level <level>", `the lowest level (${LEVELS.join(", ")})`, "DEBUG")
      .option("--task <name>", "only this task's lines")
      .option("--json", "print each line as a JSON object (one per line)")
      .action(async (id: string, opts: LogsOptions, cmd: Command) => {
        await showLogs(ctxOf(cmd), id, opts);
      }),
    "weir flow-run logs RUN_ID --follow --level INFO",
  );

  const change = (
    verb: string,
    description: string,
    act: (ctx: Context, id: string, cmd: Command) => Promise<RunDetail>,
    sample: string,
  ) =>
    example(
      fr
        .command(verb)
        .description(description)
        .argument("<id>", "the run's id")
        .option("--json", "print the API's JSON")
        .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
          const ctx = ctxOf(cmd);
          const run = await act(ctx, id, cmd);
          if (opts.json) printJson(ctx, run);
          else ctx.out(`Flow run '${run.name}' (${run.id}) is ${stateText(run.state, ctx.color)}`);
        }),
      sample,
    );

  change(
    "cancel",
    "Cancel a run that has not ended",
    (ctx, id, cmd) => ctx.client.cancelRun(id, cmd.opts().reason as string | undefined),
    "weir flow-run cancel RUN_ID --reason superseded",
  ).option("--reason <text>", "why, kept in the run's state message");
  change(
    "retry",
    "Run a Failed, Crashed or Cancelled run again (completed tasks keep their results)",
    (ctx, id) => ctx.client.retryRun(id),
    "weir flow-run retry RUN_ID",
  );

  example(
    fr
      .command("send-event")
      .description("Deliver an event that a run waits for")
      .argument("<id>", "the run's id")
      .argument("<name>", "the event's name")
      .option("--data <json>", "the event's payload, as JSON")
      .option("--json", "print the API's JSON")
      .action(
        async (id: string, name: string, opts: { data?: string; json?: boolean }, cmd: Command) => {
          const ctx = ctxOf(cmd);
          const payload =
            opts.data === undefined ? undefined : parseJsonOption("--data", opts.data);
          const run = await ctx.client.sendEvent(id, name, payload);
          if (opts.json) printJson(ctx, run);
          else
            ctx.out(`Sent '${name}' to flow run '${run.name}': ${stateText(run.state, ctx.color)}`);
        },
      ),
    `weir flow-run send-event RUN_ID approval --data '{"approved":true}'`,
  );

  example(
    fr
      .command("watch")
      .description("Follow a run to its end; exit 0 if it Completed, 1 otherwise")
      .argument("<id>", "the run's id")
      .option("--json", "print the final run as the API's JSON")
      .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
        process.exitCode = await watchRun(ctxOf(cmd), id, { json: opts.json === true });
      }),
    "weir flow-run watch RUN_ID",
  );
}
