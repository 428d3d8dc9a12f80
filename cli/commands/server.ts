/**
 * `weir server start`: what `npm start` does (build the UI, apply the D1 migrations, serve
 * the Worker with `wrangler dev`), with `--port`.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { example } from "../program_helpers.ts";

/**
 * Adds `weir server` to the program.
 *
 * @example
 * ```ts
 * serverCommands(program);
 * ```
 */
export function serverCommands(program: Command): void {
  const server = program.command("server").description("Run a local Weir server");
  example(server, "weir server start --port 8787");
  example(
    server
      .command("start")
      .description(
        "Build the UI, apply the D1 migrations and serve the Worker locally (as `npm start`)",
      )
      .option("--port <port>", "the port to listen on", process.env.PORT ?? "8787")
      .action(async (opts: { port: string }) => {
        const script = fileURLToPath(new URL("../../scripts/start.mjs", import.meta.url));
        const child = spawn(process.execPath, [script], {
          stdio: "inherit",
          env: { ...process.env, PORT: opts.port },
        });
        for (const signal of ["SIGINT", "SIGTERM"] as const) {
          process.on(signal, () => child.kill(signal));
        }
        process.exitCode = await new Promise<number>((resolve) =>
          child.on("exit", (code) => resolve(code ?? 1)),
        );
      }),
    "weir server start",
    "PORT=9000 weir server start",
  );
}
