/**
 * The Worker benchmark's systems, result shapes and Markdown tables.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { root } from "./dev_server.ts";

/**
 * What runs the N steps. The first three are the issue's comparison; the last two split Weir's
 * cost for the analysis (its engine alone, and the floor run from an alarm as Weir's runs are).
 */
export type System = "weir" | "workflows" | "floor" | "engine" | "floorAlarm" | "floorWeirStorage";
export const SYSTEMS: readonly System[] = [
  "weir",
  "workflows",
  "floor",
  "engine",
  "floorAlarm",
  "floorWeirStorage",
];
/** How each system is named in the tables. */
export const LABEL: Record<System, string> = {
  weir: "Weir",
  workflows: "Cloudflare Workflows",
  floor: "floor (bare SQLite DO)",
  engine: "Weir's engine alone, in-memory journal, no DO",
  floorAlarm: "floor, steps run from the DO's alarm",
  floorWeirStorage: "floor storing each step as Weir does (SqlJournal)",
};

export interface SystemSamples {
  readonly samplesMs: number[];
  readonly medianMs: number;
  readonly minMs: number;
  /** Median run time ÷ N. */
  readonly msPerStep: number;
}

export interface SizeRow {
  readonly n: number;
  readonly reps: number;
  readonly systems: Record<System, SystemSamples>;
  /** Workflows' time ÷ Weir's (the goal for sequential steps: ≥ 10). */
  readonly workflowsOverWeir: number;
  /** Weir's time ÷ the floor's (the goal for sequential steps: ≤ 2). */
  readonly weirOverFloor: number;
}

export interface LoadResult {
  readonly name: string;
  readonly path: "direct" | "proxy";
  readonly requests: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** `total` units of work, `concurrency` in flight; a unit is one or more requests. */

export interface Throughput {
  readonly inspector: boolean;
  readonly concurrency: number;
  readonly rows: LoadResult[];
  /** Weir's 1-step runs per second ÷ Workflows' (goal ≥ 10). */
  readonly weirOverWorkflows: number;
  /** Weir's 1-step runs per second ÷ the plain request's (goal ≥ 0.5). */
  readonly weirOverNoop: number;
  /** The floor's 1-write runs per second ÷ the plain request's: the ceiling of one DO per run. */
  readonly floorOverNoop: number;
  readonly weirApiOverWorkflows: number;
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

export function sizeTable(rows: readonly SizeRow[], label: string): string {
  return table(
    [
      label,
      "Weir ms",
      "Workflows ms",
      "floor ms",
      "Weir ms/step",
      "Workflows ms/step",
      "floor ms/step",
      "Workflows ÷ Weir",
      "Weir ÷ floor",
    ],
    rows.map((r) => [
      String(r.n),
      fixed(r.systems.weir.medianMs, 1),
      fixed(r.systems.workflows.medianMs, 1),
      fixed(r.systems.floor.medianMs, 1),
      fixed(r.systems.weir.msPerStep, 3),
      fixed(r.systems.workflows.msPerStep, 3),
      fixed(r.systems.floor.msPerStep, 4),
      `${fixed(r.workflowsOverWeir, 1)}×`,
      `${fixed(r.weirOverFloor, 1)}×`,
    ]),
  );
}

/** Weir's cost split: floor, floor from an alarm, engine alone, Weir. */
export function splitTable(rows: readonly SizeRow[], label: string): string {
  const order: System[] = ["floor", "floorAlarm", "floorWeirStorage", "engine", "weir"];
  return table(
    [label, ...order.map((s) => `${LABEL[s]} ms`)],
    rows.map((r) => [String(r.n), ...order.map((s) => fixed(r.systems[s].medianMs, 1))]),
  );
}

export function throughputTable(t: Throughput): string {
  return table(
    ["scenario", "path", "requests", "per second", "p50 ms", "p99 ms"],
    t.rows.map((r) => [
      r.name,
      r.path,
      String(r.requests),
      fixed(r.perSecond, 0),
      fixed(r.p50Ms, 1),
      fixed(r.p99Ms, 1),
    ]),
  );
}

export function version(command: string[]): string {
  try {
    return execFileSync(command[0] as string, command.slice(1), { cwd: root, encoding: "utf8" })
      .trim()
      .split("\n")[0] as string;
  } catch {
    return "unknown";
  }
}

export async function packageVersion(path: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(root, path), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
