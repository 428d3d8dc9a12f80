/**
 * What the CLI and client tests run against: the default Worker under `wrangler dev` on a
 * free port with a fresh `--persist-to` (its D1 migrations applied), optionally with a token;
 * a local stand-in for the cat-fact API that answers, 404s, or holds requests; and running
 * the CLI as a child process.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker, type Worker } from "../../scripts/default_app_server.ts";
import { freePort, root, waitFor } from "../../scripts/wrangler_dev.ts";

export {
  FACT,
  type FactMode,
  type FactServer,
  startFactServer,
} from "../../scripts/default_app_server.ts";
export { freePort, root, waitFor };

/** A running `wrangler dev` of the default app (shared with the browser tests). */
export type DevServer = Worker;

/**
 * Starts the default app under `wrangler dev` with a fresh state directory.
 *
 * @example
 * ```ts
 * const server = await startServer({ token: "s3cret" });
 * ```
 */
export const startServer: (options?: { token?: string }) => Promise<DevServer> = startWorker;

/** What a CLI run printed and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `weir ARGS` as a child process (Node with tsx, as `npx weir` does) and waits for it.
 *
 * @example
 * ```ts
 * const { code, stdout } = await weir(["flow", "ls", "--json"], { WEIR_API_URL: url });
 * ```
 */
export function weir(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CliResult> {
  const child = spawn(process.execPath, [join(root, "cli/bin.mjs"), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`weir ${args.join(" ")} ran over ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
