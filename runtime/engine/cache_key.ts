/**
 * Cache keys for tasks: by default a SHA-256 of the task's identity (name and version) and its
 * encoded arguments, so the same call to the same task version hits the same entry.
 *
 * @module
 */

import { sha256Hex } from "../cache.ts";
import { encode } from "../codec.ts";
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
  const identity = JSON.stringify([task.taskName, task.options.version ?? null, encode(args)]);
  return `${task.taskName}:${await sha256Hex(identity)}`;
}
