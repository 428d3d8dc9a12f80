/**
 * What every program that runs a Worker under `wrangler dev` shares: the browser tests
 * (ui/test/harness.ts), the Worker benchmark (bench/worker/dev_server.ts) and the crash test
 * (reliability/). Spawning wrangler in its own process group, waiting for it, bundling a
 * Worker once so edits to its sources cannot restart a long-running server, free ports and
 * polling waits.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const root = fileURLToPath(new URL("..", import.meta.url));
export const wranglerBin = join(root, "node_modules/wrangler/bin/wrangler.js");

/** How long any one wait in the tests may take before it fails. */
export const WAIT_MS = 30_000;

/**
 * Spawns wrangler in a process group of its own (`detached`), so the caller can signal
 * wrangler and the workerd processes it starts together (`process.kill(-pid, ...)`).
 *
 * @example
 * ```ts
 * const proc = wrangler(["dev", "-c", config], root);
 * ```
 */
export function wrangler(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [wranglerBin, ...argv], {
    cwd,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
}

/** Runs a wrangler command to its end; rejects with its output if it fails. */
export async function wranglerOk(argv: string[], cwd: string): Promise<void> {
  const proc = wrangler(argv, cwd);
  let output = "";
  proc.stdout?.on("data", (d: Buffer) => {
    output += d;
  });
  proc.stderr?.on("data", (d: Buffer) => {
    output += d;
  });
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  if (code !== 0) throw new Error(`wrangler ${argv.join(" ")} failed (${code}):\n${output}`);
}

/**
 * Bundles the Worker of `config` once into `dir/dist` and writes `dir/wrangler.toml`, which
 * serves that bundle as is (`no_bundle`), so `wrangler dev` does not rebuild and restart
 * mid-run when a source file changes; then applies the D1 migrations to `dir/state` (pass
 * `--persist-to state` with `cwd: dir`). Resolves to the written config's path.
 *
 * @example
 * ```ts
 * const bundled = await bundleForDev(join(root, "bench/worker/wrangler.toml"), dir);
 * ```
 */
export async function bundleForDev(config: string, dir: string): Promise<string> {
  await wranglerOk(["deploy", "--dry-run", "--outdir", join(dir, "dist"), "-c", config], root);
  const from = dirname(config);
  const text = (await readFile(config, "utf8"))
    .replace(/^main = "(.*)"$/m, (_, main: string) => {
      const bundle = `dist/${basename(main).replace(/\.[cm]?[jt]s$/, "")}.js`;
      return `main = "${bundle}"\nno_bundle = true`;
    })
    .replace(
      /^migrations_dir = "(.*)"$/m,
      (_, dir: string) => `migrations_dir = ${JSON.stringify(resolve(from, dir))}`,
    );
  const bundled = join(dir, "wrangler.toml");
  await writeFile(bundled, text);
  await wranglerOk(
    ["d1", "migrations", "apply", "DB", "--local", "-c", bundled, "--persist-to", "state"],
    dir,
  );
  return bundled;
}

/** Sends `signal` to a process group started by {@link wrangler}, if it is still there. */
export function signalGroup(proc: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The processes of a process group (Linux /proc; elsewhere an empty list). Found by the
 * group's id, which is the pid of the process that leads it, never by a process name: other
 * servers run on the same machine.
 */
export async function groupPids(group: number): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // A zombie ("Z") has ended; it only waits for its parent to read its status.
      if (Number(fields[2]) === group && fields[0] !== "Z") pids.push(Number(pid));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeout`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeout = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeout} ms waiting for ${what}${last ? `: ${last}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
