/**
 * The default app under `wrangler dev` for tests that need a real server (the browser tests
 * in ui/test, the CLI and client tests in cli/test and client/test): a free port, a fresh
 * `--persist-to` directory with the D1 migrations applied, an optional API token; and a local
 * stand-in for the cat-fact API that the test tells to answer, 404, or hold requests until
 * released (so a run stays Running while the test watches).
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, root, signalGroup, waitFor, wrangler, wranglerOk } from "./wrangler_dev.ts";

/** A running `wrangler dev`. */
export interface Worker {
  readonly url: string;
  /** Calls the API from the test (with the token, if the Worker has one). */
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  /** Everything wrangler printed, for failure messages and for checking what was logged. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the default app under `wrangler dev` with a fresh state directory.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ token: "s3cret" });
 * ```
 */
export async function startWorker(options: { token?: string } = {}): Promise<Worker> {
  if (!existsSync(join(root, "ui/dist/index.html"))) {
    throw new Error("ui/dist is not built: run `npm run build:ui` first");
  }
  const state = mkdtempSync(join(tmpdir(), "weir-ui-test-"));
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
    // As `npm start` runs it: /__scheduled fires the scheduled handler when asked (nothing
    // fires it by itself here, so tests decide when the scheduler ticks).
    "--test-scheduled",
    "--log-level",
    "info",
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
  const headers = (): Record<string, string> =>
    options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once("exit", r));
      signalGroup(child, "SIGTERM"); // wrangler and the workerd it started
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "wrangler dev to serve the UI",
      async () => {
        if (child.exitCode !== null) throw new Error(`wrangler exited:\n${output}`);
        const res = await fetch(`${url}/api/health`, { headers: headers() });
        return res.ok ? true : undefined;
      },
      90_000,
    );
  } catch (error) {
    await stop();
    throw new Error(`${error}\n--- wrangler output ---\n${output}`);
  }
  return {
    url,
    output: () => output,
    stop,
    async api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
      const res = await fetch(`${url}${path}`, {
        method: init.method ?? "GET",
        headers: {
          ...headers(),
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      const text = await res.text();
      if (!res.ok)
        throw new Error(`${init.method ?? "GET"} ${path} answered ${res.status}: ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

/** How the fact server answers: a fact, a 404, or holding requests until released. */
export type FactMode = "ok" | "404" | "hold";

/** The local stand-in for catfact.ninja. */
export interface FactServer {
  readonly url: string;
  mode: FactMode;
  /** Requests received so far. */
  readonly hits: number;
  /** Answers every held request with a fact. */
  release(): void;
  /** Resolves once a request is being held. */
  held(): Promise<void>;
  close(): Promise<void>;
}

/** The fact the server answers with. */
export const FACT = "Cats sleep for around thirteen to sixteen hours a day.";

/**
 * Starts the fact server.
 *
 * @example
 * ```ts
 * const facts = await startFactServer();
 * facts.mode = "404";
 * ```
 */
export async function startFactServer(): Promise<FactServer> {
  const waiting: ServerResponse[] = [];
  let holdListeners: (() => void)[] = [];
  let hits = 0;
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ fact: FACT, length: FACT.length }));
  };
  const state = { mode: "ok" as FactMode };
  const server: Server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    hits++;
    if (state.mode === "404") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"message":"no fact"}');
    } else if (state.mode === "hold") {
      waiting.push(res);
      for (const listener of holdListeners.splice(0)) listener();
    } else answer(res);
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
    get hits() {
      return hits;
    },
    release() {
      state.mode = "ok";
      for (const res of waiting.splice(0)) answer(res);
    },
    held() {
      if (waiting.length > 0) return Promise.resolve();
      return new Promise((r) => holdListeners.push(r));
    },
    close() {
      for (const res of waiting.splice(0)) res.destroy();
      holdListeners = [];
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
