/**
 * Tag limits on task runs, as in Prefect: a task run whose tags (its own and its flow run's)
 * name concurrency limits takes a slot of each, in name order, before each attempt, and gives
 * them back when the attempt ends. While it waits its state is AwaitingConcurrencySlot.
 *
 * @module
 */

import { NonRetryableError } from "../errors.ts";
import { waitingMessage } from "../limits/messages.ts";
import { AwaitingConcurrencySlot } from "../states.ts";
import type { AnyTask } from "../task_types.ts";
import type { Execution } from "./execution.ts";
import { giveBack, takeSlot } from "./slots.ts";
import { started } from "./task_run_entries.ts";

/** A slot held, to give back. */
export interface HeldSlot {
  readonly limit: string;
  readonly leaseId: string;
}

/**
 * The tags limits may apply to: the task's own and its flow run's.
 *
 * @example
 * ```ts
 * if (taskTags(exec, task).length === 0) runWithoutLimits();
 * ```
 */
export function taskTags(exec: Execution, task: AnyTask): readonly string[] {
  const own = task.options.tags ?? [];
  const run = exec.record.info?.tags ?? [];
  if (run.length === 0) return own;
  if (own.length === 0) return run;
  return [...new Set([...own, ...run])];
}

/**
 * Which of the task's tags are limits in force, in name order (the order slots are taken in,
 * so two task runs cannot each hold one slot the other waits for).
 *
 * @example
 * ```ts
 * const limits = await limitedTags(exec, task); // ["db"] (no promise when nothing is asked)
 * ```
 */
export function limitedTags(
  exec: Execution,
  task: AnyTask,
): readonly string[] | Promise<readonly string[]> {
  // Synchronous when it can be: an await here would let steps submitted after this one
  // journal their starts first, and parallel steps start in the order they were submitted.
  const tags = taskTags(exec, task);
  if (tags.length === 0) return tags;
  const existing = exec.host.limits.existing(tags);
  const pick = (found: ReadonlySet<string>) => tags.filter((tag) => found.has(tag)).sort();
  return existing instanceof Promise ? existing.then(pick) : pick(existing);
}

/**
 * Takes one slot of each limit for attempt `attempt`. Resolves to the slots held, or to why
 * the attempt cannot run: `refused` (a limit of 0 slots refuses every task run, as Prefect
 * aborts them) or the abort reason when the run is cancelled while it waits.
 *
 * @example
 * ```ts
 * const taken = await takeTaskSlots(exec, "3", task, "load-3", 1, ["db"], [], signal);
 * ```
 */
export async function takeTaskSlots(
  exec: Execution,
  stepId: string,
  task: AnyTask,
  runName: string,
  attempt: number,
  limits: readonly string[],
  inputs: readonly string[],
  signal: AbortSignal,
): Promise<
  | { readonly ok: true; readonly held: readonly HeldSlot[] }
  | { readonly ok: false; readonly cancelled: boolean; readonly error: Error }
> {
  const held: HeldSlot[] = [];
  for (const limit of limits) {
    const leaseId = `${exec.runId}/${stepId}/${attempt}/${limit}`;
    let result: Awaited<ReturnType<typeof takeSlot>>;
    try {
      result = await takeSlot(
        exec,
        {
          limit,
          leaseId,
          occupy: 1,
          kind: "hold",
          scope: "step",
          strategy: "ENQUEUE",
          holder: { runId: exec.runId, stepId, label: runName },
        },
        signal,
        async (waiting) => {
          const at = exec.now();
          const message = waitingMessage(limit, waiting.held, waiting.limit);
          const current = exec.record.steps.get(stepId);
          // Woken again while still in line (the sweep pokes quiet runs): one state per wait.
          const already =
            current?.attempt === attempt &&
            current.state.name === "AwaitingConcurrencySlot" &&
            current.state.message === message;
          if (!already) {
            const state = AwaitingConcurrencySlot(at, { message });
            await exec.append([started(stepId, task, runName, attempt, state, at, inputs)]);
          }
          exec.stepLogger(stepId, `Task run '${runName}'`).info(message);
          // Said now, not with the next journal entry: the wait may be long.
          await exec.flushLogs();
        },
        { active: true },
      );
    } catch (error) {
      await giveBack(exec, held);
      if (signal.aborted) return { ok: false, cancelled: true, error: error as Error };
      const cause = error as Error;
      const failed = new Error(
        `Could not take a slot of concurrency limit '${limit}': ${cause.message}`,
        { cause },
      );
      return { ok: false, cancelled: false, error: failed };
    }
    if (result.status === "refused") {
      await giveBack(exec, held);
      return { ok: false, cancelled: false, error: new NonRetryableError(result.reason) };
    }
    if (result.status === "granted") held.push({ limit, leaseId });
  }
  return { ok: true, held };
}
