/**
 * Cache keys for tasks: by default a SHA-256 of the task's identity (name and version) and its
 * encoded arguments, so the same call to the same task version hits the same entry.
 *
 * @module
 */

import { sha256Hex } from "../cache.ts";
import { type Encoded, encode } from "../codec.ts";
import type { AnyTask } from "../task_types.ts";
import type { Execution } from "./execution.ts";

/**
 * The cache key for a call, or `undefined` when the task's key function declines.
 *
 * @example
 * ```ts
 * await cacheKeyFor(execution, fetchFact, ["https://catfact.ninja/fact"]); // "fetch-fact:5f1c…"
 * ```
 */
export async function cacheKeyFor(
  exec: Execution,
  task: AnyTask,
  args: readonly unknown[],
): Promise<string | undefined> {
  const options = typeof task.options.cache === "object" ? task.options.cache : {};
  if (options.key !== undefined) {
    return options.key({
      taskName: task.taskName,
      taskVersion: task.options.version,
      args,
      flowRunId: exec.runId,
      flowName: exec.flow.flowName,
    });
  }
  const identity = stableJson([task.taskName, task.options.version ?? null, encode(args)]);
  return `${task.taskName}:${await sha256Hex(identity)}`;
}

/** JSON with object keys sorted, so `{ a, b }` and `{ b, a }` hash alike (as Prefect's do). */
function stableJson(value: Encoded): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k] ?? null)}`).join(",")}}`;
}
