/**
 * `weir flow ls|inspect|run`: the flows the server can run, and starting one.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { JsonSchema } from "../../protocol/flow.ts";
import { type Context, makeContext, printJson } from "../context.ts";
import { bold, stateText, table } from "../format.ts";
import { buildParams, parseAt, parseJsonOption } from "../params.ts";
import { collect, example, type GlobalsOf } from "../program_helpers.ts";
import { UsageError } from "../usage_error.ts";
import { watchRun } from "../watch.ts";

/** `name: type` for each parameter a JSON Schema declares (`?` when optional). */
export function describeParameters(schema: JsonSchema | null): string[] {
  if (schema === null) return [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, prop]) => {
    const type = Array.isArray(prop.type) ? prop.type.join(" | ") : String(prop.type ?? "any");
    const fallback = prop.default === undefined ? "" : ` = ${JSON.stringify(prop.default)}`;
    return `${name}${required.has(name) ? "" : "?"}: ${type}${fallback}`;
  });
}

/** Options of `weir flow run`. */
interface RunOptions {
  param: string[];
  paramsFile?: string;
  name?: string;
  tag: string[];
  at?: string;
  idempotencyKey?: string;
  watch?: boolean;
  json?: boolean;
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

/** `weir flow run`. */
async function runFlow(ctx: Context, name: string, opts: RunOptions): Promise<number> {
  const parameters = buildParams(
    opts.param,
    opts.paramsFile === undefined ? {} : readParamsFile(opts.paramsFile),
  );
  const run = await ctx.client.createRun(name, {
    parameters,
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.tag.length === 0 ? {} : { tags: opts.tag }),
    ...(opts.at === undefined ? {} : { scheduledAt: parseAt(opts.at) }),
    ...(opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey }),
  });
  if (opts.watch) {
    if (!opts.json) ctx.out(`Created flow run '${run.name}' (${run.id}); watching it`);
    return watchRun(ctx, run.id, { json: opts.json === true });
  }
  if (opts.json) printJson(ctx, run);
  else {
    ctx.out(
      `Created flow run '${run.name}' (${run.id}) of flow '${run.flowName}': ${stateText(run.state, ctx.color)}`,
    );
    ctx.out(`Follow it with: weir flow-run watch ${run.id}`);
  }
  return 0;
}

/**
 * Adds `weir flow` to the program.
 *
 * @example
 * ```ts
 * flowCommands(program, globalsOf);
 * ```
 */
export function flowCommands(program: Command, globals: GlobalsOf): void {
  const flow = program.command("flow").description("List, inspect and run flows");
  example(flow, "weir flow ls", "weir flow run cat-fact --param n=2 --watch");

  example(
    flow
      .command("ls")
      .description("List the flows the server can run")
      .option("--json", "print the API's JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const ctx = makeContext(globals(cmd));
        const flows = await ctx.client.listFlows();
        if (opts.json) return printJson(ctx, flows);
        const header = ["NAME", "VERSION", "TAGS", "PARAMETERS", "DESCRIPTION"].map((h) =>
          bold(h, ctx.color),
        );
        const rows = flows.map((f) => [
          f.name,
          f.version ?? "-",
          f.tags.join(",") || "-",
          describeParameters(f.parametersSchema)
            .map((p) => p.split(":")[0])
            .join(", ") || "-",
          (f.description ?? "").split("\n")[0] ?? "",
        ]);
        ctx.out(table(header, rows));
      }),
    "weir flow ls --json | jq '.[].name'",
  );

  example(
    flow
      .command("inspect")
      .description("Show a flow: description, version, tags, retries and parameters")
      .argument("<name>", "the flow's name")
      .option("--json", "print the API's JSON")
      .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
        const ctx = makeContext(globals(cmd));
        const f = await ctx.client.getFlow(name);
        if (opts.json) return printJson(ctx, f);
        const params = describeParameters(f.parametersSchema);
        ctx.out(
          [
            `${bold("Flow", ctx.color)}         ${f.name}`,
            `Description  ${f.description ?? "-"}`,
            `Version      ${f.version ?? "-"}`,
            `Tags         ${f.tags.join(", ") || "-"}`,
            `Retries      ${f.retries}`,
            `Parameters${f.parametersSchema === null ? "   any (no schema)" : params.length === 0 ? "   none" : ""}`,
            ...params.map((p) => `  ${p}`),
          ].join("\n"),
        );
      }),
    "weir flow inspect cat-fact",
  );

  example(
    flow
      .command("run")
      .description("Start a run of a flow (values of --param are JSON when they parse)")
      .argument("<name>", "the flow's name")
      .option("-p, --param <key=value>", "a parameter (repeatable)", collect, [])
      .option("--params-file <file>", "a JSON object of parameters (--param overrides)")
      .option("--name <name>", "the run's name")
      .option("--tag <tag>", "a tag (repeatable)", collect, [])
      .option("--at <time>", "start at: ISO 8601, epoch ms, or +30s/+5m/+2h/+1d")
      .option("--idempotency-key <key>", "the same key answers the same run")
      .option("-w, --watch", "follow the run to its end; exit 1 unless it Completed")
      .option("--json", "print the API's JSON")
      .action(async (name: string, opts: RunOptions, cmd: Command) => {
        process.exitCode = await runFlow(makeContext(globals(cmd)), name, opts);
      }),
    "weir flow run cat-fact --param n=3 --tag demo --watch",
    "weir flow run iris --params-file params.json --at +10m",
  );
}
