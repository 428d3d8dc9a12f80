/**
 * `weir flow ls|inspect|run`: the flows the server can run, and starting one.
 *
 * @module
 */

import type { Command } from "commander";
import type { JsonSchema } from "../../protocol/flow.ts";
import { type Context, makeContext, printJson } from "../context.ts";
import { bold, table } from "../format.ts";
import { example, type GlobalsOf } from "../program_helpers.ts";
import {
  addStartRunOptions,
  reportStartedRun,
  type StartRunOptions,
  startRunInput,
} from "../run_start.ts";
import { visualizeCommand } from "./flow_visualize.ts";

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

/** `weir flow run`. */
async function runFlow(ctx: Context, name: string, opts: StartRunOptions): Promise<number> {
  const run = await ctx.client.createRun(name, startRunInput(opts));
  return reportStartedRun(ctx, run, opts);
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
  visualizeCommand(flow, globals);
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
    addStartRunOptions(
      flow
        .command("run")
        .description("Start a run of a flow (values of --param are JSON when they parse)")
        .argument("<name>", "the flow's name"),
    ).action(async (name: string, opts: StartRunOptions, cmd: Command) => {
      process.exitCode = await runFlow(makeContext(globals(cmd)), name, opts);
    }),
    "weir flow run cat-fact --param n=3 --tag demo --watch",
    "weir flow run iris --params-file params.json --at +10m",
  );
}
