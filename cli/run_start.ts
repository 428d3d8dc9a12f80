/**
 * Starting a run from the command line, shared by `weir flow run` and `weir deployment run`:
 * the options (`--param`, `--params-file`, `--name`, `--tag`, `--at`, `--idempotency-key`,
 * `--watch`, `--json`), the request body they make, and what is printed once the run exists
 * (or the watch, whose exit code says how the run ended).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CreateRunInput } from "../protocol/requests.ts";
import type { RunDetail } from "../protocol/run.ts";
import { type Context, printJson } from "./context.ts";
import { EXIT } from "./errors.ts";
import { stateText } from "./format.ts";
import { buildParams, parseAt, parseJsonOption } from "./params.ts";
import { collect } from "./program_helpers.ts";
import { UsageError } from "./usage_error.ts";
import { watchRun } from "./watch.ts";

/**
 * The options {@link addStartRunOptions} adds, as commander parses them.
 *
 * @example
 * ```ts
 * const opts: StartRunOptions = { param: ["n=3"], tag: [], watch: true };
 * ```
 */
export interface StartRunOptions {
  param: string[];
  paramsFile?: string;
  name?: string;
  tag: string[];
  at?: string;
  idempotencyKey?: string;
  watch?: boolean;
  json?: boolean;
}

/**
 * Adds the options of a command that starts a run.
 *
 * @example
 * ```ts
 * addStartRunOptions(flow.command("run").argument("<name>"));
 * ```
 */
export function addStartRunOptions(cmd: Command): Command {
  return cmd
    .option("-p, --param <key=value>", "a parameter (repeatable)", collect, [])
    .option("--params-file <file>", "a JSON object of parameters (--param overrides)")
    .option("--name <name>", "the run's name")
    .option("--tag <tag>", "a tag (repeatable)", collect, [])
    .option("--at <time>", "start at: ISO 8601, epoch ms, or +30s/+5m/+2h/+1d")
    .option("--idempotency-key <key>", "the same key answers the same run")
    .option("-w, --watch", "follow the run to its end; exit 1 unless it Completed")
    .option("--json", "print the API's JSON");
}

/** Reads `--params-file`. */
function readParamsFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read --params-file ${path}: ${(error as Error).message}`);
  }
  return parseJsonOption(`--params-file ${path}`, text);
}

/**
 * The request body the options make (the file's parameters, each `--param` over them).
 *
 * @example
 * ```ts
 * startRunInput({ param: ["n=3"], tag: ["cli"] }); // { parameters: { n: 3 }, tags: ["cli"] }
 * ```
 */
export function startRunInput(opts: StartRunOptions): CreateRunInput {
  const parameters = buildParams(
    opts.param,
    opts.paramsFile === undefined ? {} : readParamsFile(opts.paramsFile),
  );
  return {
    parameters,
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.tag.length === 0 ? {} : { tags: opts.tag }),
    ...(opts.at === undefined ? {} : { scheduledAt: parseAt(opts.at) }),
    ...(opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey }),
  };
}

/**
 * After a run was created: watches it (`--watch`; the exit code says how it ended) or prints
 * it and how to follow it. `of` names what it is a run of, such as `flow 'cat-fact'`.
 *
 * @example
 * ```ts
 * process.exitCode = await reportStartedRun(ctx, run, opts, `deployment 'elevator/hourly'`);
 * ```
 */
export async function reportStartedRun(
  ctx: Context,
  run: RunDetail,
  opts: Pick<StartRunOptions, "watch" | "json">,
  of = `flow '${run.flowName}'`,
): Promise<number> {
  if (opts.watch) {
    if (!opts.json) ctx.out(`Created flow run '${run.name}' (${run.id}) of ${of}; watching it`);
    return watchRun(ctx, run.id, { json: opts.json === true });
  }
  if (opts.json) printJson(ctx, run);
  else {
    ctx.out(
      `Created flow run '${run.name}' (${run.id}) of ${of}: ${stateText(run.state, ctx.color)}`,
    );
    ctx.out(`Follow it with: weir flow-run watch ${run.id}`);
  }
  return EXIT.OK;
}
