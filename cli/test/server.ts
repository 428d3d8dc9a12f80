/**
 * What the CLI and client tests run against: the default Worker under `wrangler dev` on a
 * free port with a fresh `--persist-to` (its D1 migrations applied), optionally with a token;
 * a local stand-in for the cat-fact API that answers, 404s, or holds requests; and running
 * the CLI as a child process.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  root,
  signalGroup,
  waitFor,
  wrangler,
  wranglerOk,
} from "../../scripts/wrangler_dev.ts";

export { freePort, root, waitFor };

/** A running `wrangler dev`. */
export interface DevServer {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the default app under `wrangler dev` with a fresh state directory.
 *
 * @example
 * ```ts
 * const server = await startServer({ token: "s3cret" });
 * ```
 */
export async function startServer(options: { token?: string } = {}): Promise<DevServer> {
  const state = mkdtempSync(join(tmpdir(), "weir-cli-test-"));
  await wranglerOk(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], root);
  const [port, inspector] = [await freePort(), await freePort()];
  const args = [
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
  ];
  if (options.token !== undefined) args.push("--var", `WEIR_API_TOKEN:${options.token}`);
  const child: ChildProcess = wrangler(args, root);
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once("exit", r));
      signalGroup(child, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "wrangler dev to answer /api/health",
      async () => {
        if (child.exitCode !== null) throw new Error(`wrangler exited:\n${output}`);
        const res = await fetch(`${url}/api/health`);
        await res.body?.cancel();
        return res.status === 200 || res.status === 401 ? true : undefined;
      },
      90_000,
    );
  } catch (error) {
    await stop();
    throw new Error(`${error}\n--- wrangler output ---\n${output}`);
  }
  return { url, output: () => output, stop };
}

/** How the fact server answers. */
export type FactMode = "ok" | "404" | "hold";

/** The local stand-in for catfact.ninja. */
export interface FactServer {
  readonly url: string;
  mode: FactMode;
  close(): Promise<void>;
}

/** The fact the server answers with. */
export const FACT = "Cats sleep for around thirteen to sixteen hours a day.";

/**
 * Starts the fact server (`mode` can change at any time; "hold" never answers).
 *
 * @example
 * ```ts
 * const facts = await startFactServer();
 * facts.mode = "404";
 * ```
 */
export async function startFactServer(): Promise<FactServer> {
  const held: ServerResponse[] = [];
  const state = { mode: "ok" as FactMode };
  const server: Server = createServer((_req, res) => {
    if (state.mode === "hold") return void held.push(res);
    if (state.mode === "404") {
      res.writeHead(404, { "content-type": "application/json" });
      return void res.end('{"message":"no fact"}');
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ fact: FACT, length: FACT.length }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}/fact`,
    get mode() {
      return state.mode;
    },
    set mode(mode: FactMode) {
      state.mode = mode;
    },
    close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

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
