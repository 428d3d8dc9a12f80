/**
 * A/B of two builds by the CPU time workerd spends per request:
 * `node --import tsx bench/worker/cpu_ab.ts PORT_A,PORT_B ROUTE... [--requests 10] [--rounds 7]`.
 *
 * Start each build's server with `node --import tsx bench/worker/run.ts --serve --port N` (from
 * a work tree of each commit) and pass the "workerd directly" ports it prints. For each round,
 * route and server in turn, it sends `--requests` POSTs one after the other and reads the user
 * Worker's workerd process's CPU ticks (utime + stime, from /proc) before and after, so a load
 * from other processes on the machine moves the figures much less than wall time. It prints
 * the median over rounds (after one warm-up round) of CPU ms per request and of wall ms per
 * request. Linux only; a tick is 10 ms, so use enough requests per round that a round takes
 * well over 100 ms.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { median } from "../stats.ts";
import { agent, request } from "./http.ts";

/** The pid of the process listening on a local TCP port. */
function pidOf(port: string): number {
  const listing = execFileSync("ss", ["-ltnpH", `sport = :${port}`]).toString();
  const pid = /pid=(\d+)/.exec(listing)?.[1];
  if (pid === undefined) throw new Error(`No process listens on port ${port}`);
  return Number(pid);
}

/** CPU ticks (user + system) a process has used. */
function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const TICK_MS = 10;

async function main(argv: readonly string[]): Promise<void> {
  const option = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? fallback : Number(argv[i + 1]);
  };
  const requests = option("requests", 10);
  const rounds = option("rounds", 7);
  const positional = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"));
  const [ports, ...routes] = positional;
  if (ports === undefined || routes.length === 0) {
    throw new Error("usage: cpu_ab.ts PORT_A,PORT_B ROUTE... [--requests N] [--rounds N]");
  }
  const servers = ports.split(",").map((port) => ({ port, pid: pidOf(port) }));
  const samples = new Map<string, { cpu: number[]; wall: number[] }>();
  for (let round = 0; round <= rounds; round++) {
    for (const route of routes) {
      for (const { port, pid } of servers) {
        const base = `http://127.0.0.1:${port}`;
        const ticks = ticksOf(pid);
        const started = performance.now();
        for (let i = 0; i < requests; i++) {
          const answer = await request(base, "POST", route);
          if (answer.status !== 200) {
            throw new Error(`${base}${route}: ${answer.status} ${answer.body.slice(0, 300)}`);
          }
        }
        if (round === 0) continue;
        const key = `${port} ${route}`;
        const entry = samples.get(key) ?? { cpu: [], wall: [] };
        entry.cpu.push(((ticksOf(pid) - ticks) * TICK_MS) / requests);
        entry.wall.push((performance.now() - started) / requests);
        samples.set(key, entry);
      }
    }
  }
  console.log("| server route | CPU ms/request | wall ms/request |");
  console.log("| --- | ---: | ---: |");
  for (const [key, { cpu, wall }] of samples) {
    console.log(`| ${key} | ${median(cpu).toFixed(2)} | ${median(wall).toFixed(2)} |`);
  }
  agent.destroy();
}

await main(process.argv.slice(2));
