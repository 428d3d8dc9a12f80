/**
 * The Worker benchmark's server: one `wrangler dev` on the pre-built bench bundle, with its
 * state in a fresh directory, and the address of workerd's own socket (found among the
 * listening sockets of wrangler's workerd processes) so requests can skip wrangler's proxy.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import {
  bundleForDev,
  groupPids,
  root,
  signalGroup,
  wrangler,
  wranglerBin,
  wranglerOk,
} from "../../scripts/wrangler_dev.ts";
import { request } from "./http.ts";

export { root, wrangler, wranglerBin, wranglerOk };
export const config = join(root, "bench/worker/wrangler.toml");

export interface Dev {
  readonly proc: ChildProcess;
  readonly proxy: string;
  readonly direct: string;
}

/**
 * Bundles the bench Worker once into `dir` (see `bundleForDev`), with its D1 migrations
 * applied to `dir/state`, so a source file edited mid-benchmark cannot restart `wrangler dev`.
 * Resolves to the bundle's config path.
 */
export function prepare(dir: string): Promise<string> {
  return bundleForDev(config, dir);
}

/** The workerd processes in wrangler's process group (Linux /proc). */
export async function workerdPids(group: number): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await groupPids(group)) {
    const name = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (name.trim() === "workerd") pids.push(pid);
  }
  return pids;
}

/** Listening TCP ports of the workerd processes in wrangler's process group (Linux /proc). */
async function workerdPorts(group: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const pid of await workerdPids(group)) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1] !== undefined) inodes.add(m[1]);
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (local === undefined || cols[3] !== "0A" || !inodes.has(cols[9] ?? "")) continue;
      ports.push(Number.parseInt(local.split(":")[1] ?? "0", 16));
    }
  }
  return ports;
}

/** The user Worker's own socket in workerd: the one that answers the bench's no-op route. */
async function findDirect(group: number, port: number): Promise<string | undefined> {
  for (const p of await workerdPorts(group)) {
    if (p === port) continue;
    const base = `http://127.0.0.1:${p}`;
    try {
      const answer = await Promise.race([
        request(base, "GET", "/bench/noop"),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000)),
      ]);
      if (answer.status === 200 && answer.body === "ok") return base;
    } catch {
      // Not the user Worker's socket.
    }
  }
  return undefined;
}

/**
 * Waits until workerd has evicted the Durable Objects of the previous scenarios (about 10 s
 * after their last use locally). Each live object holds its SQLite files open, and a few
 * thousand live at once make workerd fail with SQLITE_NOMEM; the Weir and Workflows rows also
 * start from the same state this way. Counted as workerd's open files; gives up after 30 s.
 */
export async function settle(dev: Dev): Promise<void> {
  const group = dev.proc.pid;
  if (group === undefined || process.platform !== "linux") return;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let open = 0;
    for (const pid of await workerdPids(group)) {
      open += (await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])).length;
    }
    if (open < 600) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Starts `wrangler dev` on the bundle; `echo` copies its output to stdout (`--serve`). */
export async function startDev(
  dir: string,
  bundled: string,
  inspector: boolean,
  port: number,
  echo: boolean,
): Promise<Dev> {
  const proc = wrangler(
    ["dev", "-c", bundled, "--persist-to", "state", "--port", String(port), "--ip", "127.0.0.1"],
    dir,
    // wrangler dev has no flag to leave its DevTools inspector out; it does so in a VS Code
    // debug terminal, which this variable signals.
    inspector ? {} : { VSCODE_INSPECTOR_OPTIONS: "{}" },
  );
  let output = "";
  // Appended to, so a server restarted on the same state keeps the earlier one's log.
  const logFile = createWriteStream(join(dir, "wrangler.log"), { flags: "a" });
  const onData = (d: Buffer) => {
    logFile.write(d);
    if (echo) process.stdout.write(d);
    // Keep only the start of the log (wrangler logs every request).
    if (output.length < 100_000) output += d;
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  let exited = false;
  proc.on("exit", () => {
    exited = true;
  });
  const proxy = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited:\n${output.slice(-4000)}`);
    try {
      const answer = await request(proxy, "GET", "/bench/noop");
      if (answer.status === 200 && proc.pid !== undefined) {
        const direct = await findDirect(proc.pid, port);
        if (direct !== undefined) return { proc, proxy, direct };
      }
    } catch {
      // Not ready yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop(proc);
  throw new Error(`wrangler dev was not ready within 90 s:\n${output.slice(-4000)}`);
}

export function stop(proc: ChildProcess): void {
  signalGroup(proc, "SIGTERM");
}

const mib = (kib: number) => Math.round(kib / 102.4) / 10;

/** RSS and peak RSS (VmHWM) of each workerd process of the server, in MiB (Linux /proc). */
export async function memory(
  dev: Dev,
): Promise<{ pid: number; rssMiB: number; peakMiB: number }[]> {
  const out = [];
  for (const pid of await workerdPids(dev.proc.pid ?? -1)) {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    out.push({ pid, rssMiB: mib(kib("VmRSS")), peakMiB: mib(kib("VmHWM")) });
  }
  return out;
}

/** Whether wrangler and its workerd processes are still running. */
export async function workerdAlive(dev: Dev): Promise<boolean> {
  return dev.proc.exitCode === null && (await workerdPids(dev.proc.pid ?? -1)).length > 0;
}

/** Stops the server's process group and waits for it to exit (SIGKILL after 10 s). */
export async function stopAndWait(dev: Dev): Promise<void> {
  if (dev.proc.exitCode !== null || dev.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => dev.proc.once("exit", () => r()));
  stop(dev.proc);
  const timer = setTimeout(() => signalGroup(dev.proc, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
