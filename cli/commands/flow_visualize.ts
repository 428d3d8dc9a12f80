/**
 * `weir flow visualize NAME`: a flow's task and subflow graph, drawn by the server without
 * running the flow (Prefect's `flow.visualize()`), printed as Mermaid (default), DOT or JSON.
 *
 * @module
 */

import type { Command } from "commander";
import { toDot, toMermaid } from "../../protocol/flow_graph.ts";
import { makeContext, printJson } from "../context.ts";
import { buildParams } from "../params.ts";
import { collect, example, type GlobalsOf } from "../program_helpers.ts";
import { UsageError } from "../usage_error.ts";

const FORMATS = ["mermaid", "dot", "json"] as const;

/**
 * Adds `visualize` to the `weir flow` command.
 *
 * @example
 * ```ts
 * visualizeCommand(program.command("flow"), globalsOf);
 * ```
 */
export function visualizeCommand(flow: Command, globals: GlobalsOf): void {
  example(
    flow
      .command("visualize")
      .description(
        "Draw a flow's tasks and subflows without running it (Mermaid, DOT or JSON); a `truncated` note says where a drawing had to stop",
      )
      .argument("<name>", "the flow's name")
      .option("-p, --param <key=value>", "draw with this parameter (repeatable)", collect, [])
      .option("--format <format>", `one of ${FORMATS.join(", ")}`, "mermaid")
      .option("--json", "print the API's JSON (same as --format json)")
      .action(
        async (
          name: string,
          opts: { param: string[]; format: string; json?: boolean },
          cmd: Command,
        ) => {
          const format = opts.json ? "json" : opts.format;
          if (!(FORMATS as readonly string[]).includes(format)) {
            throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got '${format}'`);
          }
          const ctx = makeContext(globals(cmd));
          const parameters = opts.param.length === 0 ? undefined : buildParams(opts.param);
          const graph = await ctx.client.getFlowGraph(name, parameters);
          if (format === "json") return printJson(ctx, graph);
          ctx.out((format === "dot" ? toDot(graph) : toMermaid(graph)).trimEnd());
          if (graph.truncated !== null) ctx.err(`note: ${graph.truncated}`);
        },
      ),
    "weir flow visualize iris",
    "weir flow visualize sum --param n=5 --format dot | dot -Tsvg > sum.svg",
  );
}
