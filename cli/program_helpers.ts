/**
 * Small helpers the command files share: help examples and the global options of a command.
 *
 * @module
 */

import type { Command } from "commander";
import type { GlobalOptions } from "./context.ts";

/** Reads the global options (`--api-url`, `--token`, `--profile`) as seen from a command. */
export type GlobalsOf = (cmd: Command) => GlobalOptions;

/**
 * Adds an "Example" section to a command's `--help` and returns the command.
 *
 * @example
 * ```ts
 * example(program.command("ls"), "weir flow ls --json");
 * ```
 */
export function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText("after", `\nExample:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/**
 * The global options of `cmd`, whichever level it sits at.
 *
 * @example
 * ```ts
 * const ctx = makeContext(globalsOf(cmd));
 * ```
 */
export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/**
 * Collects a repeated option's values (`--tag a --tag b`).
 *
 * @example
 * ```ts
 * cmd.option("--tag <tag>", "a tag (repeatable)", collect, []);
 * ```
 */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
