/**
 * The `weir` command: its global options, its command groups (one file each under
 * commands/), and how errors become messages and exit codes (see errors.ts).
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { concurrencyLimitCommands } from "./commands/concurrency_limit.ts";
import { configCommands } from "./commands/config.ts";
import { deploymentCommands } from "./commands/deployment.ts";
import { deploymentScheduleCommands } from "./commands/deployment_schedule.ts";
import { deploymentUpdateCommand } from "./commands/deployment_update.ts";
import { flowCommands } from "./commands/flow.ts";
import { flowRunCommands } from "./commands/flow_run.ts";
import { schedulerCommands } from "./commands/scheduler.ts";
import { serverCommands } from "./commands/server.ts";
import { type GlobalOptions, resolveSettings, type Settings } from "./context.ts";
import { EXIT, explain } from "./errors.ts";
import { example, globalsOf } from "./program_helpers.ts";

/**
 * Builds the `weir` program (commander), with exits turned into exceptions.
 *
 * @example
 * ```ts
 * await buildProgram().parseAsync(["node", "weir", "flow", "ls"]);
 * ```
 */
export function buildProgram(): Command {
  const program = new Command("weir")
    .description("Run and watch Weir flows from the command line")
    .option(
      "--api-url <url>",
      "the Weir API's address (else WEIR_API_URL, the profile, http://127.0.0.1:8787)",
    )
    .option("--token <token>", "the API's bearer token (else WEIR_API_TOKEN, the profile)")
    .option("--profile <name>", "the config profile to use (else WEIR_PROFILE, `weir config use`)")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ sortSubcommands: false });
  example(
    program,
    "weir flow ls",
    "weir flow run cat-fact --param n=2 --watch",
    "weir flow-run ls",
    "weir deployment run cat-fact/catfact-ninja --watch",
  );
  flowCommands(program, globalsOf);
  flowRunCommands(program, globalsOf);
  const deployment = deploymentCommands(program, globalsOf);
  deploymentUpdateCommand(deployment, globalsOf);
  deploymentScheduleCommands(program, deployment, globalsOf);
  schedulerCommands(program, globalsOf);
  concurrencyLimitCommands(program, globalsOf);
  configCommands(program, globalsOf);
  serverCommands(program);
  return program;
}

/**
 * Runs `weir` with `argv` (without node and the script) and resolves to the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; every other parse error is a usage error.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    let settings: Settings | undefined;
    try {
      settings = resolveSettings(program.opts() as GlobalOptions);
    } catch {
      settings = undefined;
    }
    const { message, exitCode } = explain(error, settings);
    process.stderr.write(`weir: ${message}\n`);
    return exitCode;
  }
}
