/**
 * What the browser tests run against: the real Worker under `wrangler dev` (the default app,
 * serving the built UI from ui/dist) on a free port with a fresh `--persist-to` directory and
 * its D1 migrations applied; headless Chromium driven by playwright-core; and a local HTTP
 * server the cat-fact flow can fetch, which the test tells to answer, fail, or hold a request
 * until released (so a run stays Running while the page watches).
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  freePort,
  root,
  signalGroup,
  WAIT_MS,
  waitFor,
  wrangler,
  wranglerOk,
} from "../../scripts/wrangler_dev.ts";

export { freePort, WAIT_MS, waitFor };

/** Chromium from Debian (`apt-get install -y chromium`). */
export const CHROMIUM = process.env.WEIR_CHROMIUM ?? "/usr/bin/chromium";

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

/**
 * Launches headless Chromium with a fresh profile (Playwright gives each launch its own
 * temporary user-data-dir).
 *
 * @example
 * ```ts
 * const browser = await launchBrowser();
 * ```
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * A page that fails the test on uncaught errors, with a fixed viewport.
 *
 * @example
 * ```ts
 * const page = await newPage(browser, errors);
 * ```
 */
export async function newPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return page;
}

/** Saves a screenshot when WEIR_UI_SCREENSHOTS names a folder (never in the repository). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.WEIR_UI_SCREENSHOTS;
  if (dir === undefined || dir === "") return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
