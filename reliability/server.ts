/**
 * The crash test's `wrangler dev`: bundled once (so an edit to worker/ or runtime/ during the
 * test cannot make wrangler rebuild and restart it, which would be a crash the test did not
 * cause), started on a state directory that survives it, killed with SIGKILL to its whole
 * process group, and started again on the same state.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import {
  bundleForDev,
  freePort,
  groupPids,
  root,
  signalGroup,
  waitFor,
  wrangler,
} from "../scripts/wrangler_dev.ts";
import { RECORDER_VAR } from "./protocol.ts";

/** The app's config in the repository. */
export const config = join(root, "reliability/wrangler.toml");

/** Process groups this module started that may still run. */
const started = new Set<ChildProcess>();

/**
 * SIGKILLs every process group this module started and has not seen end. Synchronous, for
 * exit and signal handlers: wrangler runs in groups of its own (detached), so an interrupted
 * test would otherwise leave its servers running.
 */
export function killStarted(): void {
  for (const proc of started) signalGroup(proc, "SIGKILL");
}

/** One `wrangler dev` process group. */
export interface Server {
  readonly generation: number;
  readonly url: string;
  readonly proc: ChildProcess;
  /** When it was spawned and when /api/health first answered (Date.now()). */
  readonly spawnedAt: number;
  readonly healthyAt: number;
  /** The last part of what wrangler printed, for failure messages. */
  tail(): string;
}

/**
 * Bundles the app into `dir` and applies its D1 migrations to `dir/state`; resolves to the
 * config to start `wrangler dev` with.
 */
export function prepareApp(dir: string): Promise<string> {
  return bundleForDev(config, dir);
}

/**
 * Starts `wrangler dev` on the bundle with `dir/state` as its state, on a free port, and
 * waits until /api/health answers. Its output goes to `dir/wrangler-<generation>.log`.
 */
export async function startServer(
  dir: string,
  bundled: string,
  generation: number,
  recorderUrl: string,
): Promise<Server> {
  const port = await freePort();
  const spawnedAt = Date.now();
  const proc = wrangler(
    [
      "dev",
      "-c",
      bundled,
      "--persist-to",
      "state",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--var",
      `${RECORDER_VAR}:${recorderUrl}`,
      "--show-interactive-dev-session=false",
    ],
    dir,
    // wrangler dev has no flag to leave its DevTools inspector out (its default port may be
    // taken by another server on this machine); it does so in a VS Code debug terminal, which
    // this variable signals.
    { VSCODE_INSPECTOR_OPTIONS: "{}" },
  );
  started.add(proc);
  const log = createWriteStream(join(dir, `wrangler-${generation}.log`));
  let tail = "";
  const onData = (d: Buffer) => {
    log.write(d);
    tail = (tail + d).slice(-4000);
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  proc.on("exit", () => log.end());
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `wrangler dev (generation ${generation}) to answer /api/health`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`wrangler exited:\n${tail}`);
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return res.ok ? true : undefined;
      },
      120_000,
    );
  } catch (error) {
    await killServer(proc);
    throw new Error(`${error}\n--- wrangler output ---\n${tail}`);
  }
  return { generation, url, proc, spawnedAt, healthyAt: Date.now(), tail: () => tail };
}

/**
 * Kills wrangler and every process it started (workerd, esbuild) at once with SIGKILL, and
 * resolves once none of them runs any more, so the next server never overlaps this one.
 */
export async function killServer(proc: ChildProcess, signal: NodeJS.Signals = "SIGKILL") {
  const group = proc.pid;
  if (group === undefined) return;
  const exited =
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  signalGroup(proc, signal);
  await exited;
  // wrangler's children leave with it only because the whole group got the signal; wait until
  // the kernel has taken every one of them down (their ports and SQLite files released).
  await waitFor(
    `process group ${group} to end`,
    async () => ((await groupPids(group)).length === 0 ? true : undefined),
    30_000,
  );
  started.delete(proc);
}
