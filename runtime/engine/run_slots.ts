/**
 * A run's own concurrency slots: a deployment's limit (journaled with the run's creation) and
 * the flow's `concurrency` option (keyed by its parameters or not). They are taken in name
 * order after the parameters are validated and before the run enters Running; while it waits
 * the run is AwaitingConcurrencySlot. With CANCEL_NEW a run that finds no slot is cancelled.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { AnyFlow } from "../flow_types.ts";
import { labelProblem } from "../labels.ts";
import { waitingMessage } from "../limits/messages.ts";
import type { RunSlot } from "../limits/port.ts";
import { AwaitingConcurrencySlot } from "../states.ts";
import type { Execution } from "./execution.ts";
import type { RunRecord } from "./run_record.ts";
import { giveBack, takeSlot } from "./slots.ts";

/**
 * The run's slots, in name order. Throws a {@link UsageError} when the flow's key cannot be
 * computed from the parameters.
 *
 * @example
 * ```ts
 * const slots = runSlotsOf(flow, record, params); // [{ limit: "flow:etl:acme", max: 2, strategy: "ENQUEUE" }]
 * ```
 */
export function runSlotsOf(flow: AnyFlow, record: RunRecord, params: unknown): RunSlot[] {
  const slots = [...(record.info?.slots ?? [])];
  const own = flow.options.concurrency;
  if (own !== undefined) {
    let limit = `flow:${flow.flowName}`;
    if (own.key !== undefined) {
      let key: unknown;
      try {
        key = own.key(params as never);
      } catch (error) {
        throw new UsageError(
          `Cannot compute the concurrency key of flow '${flow.flowName}': ${(error as Error).message}`,
          { cause: error },
        );
      }
      const text = typeof key === "number" && Number.isFinite(key) ? String(key) : key;
      const problem =
        typeof text !== "string" || text === ""
          ? "must be a non-empty string or a number"
          : labelProblem(text);
      if (problem !== undefined) {
        throw new UsageError(
          `The concurrency key of flow '${flow.flowName}' ${problem}, got ${JSON.stringify(key)}`,
        );
      }
      limit = `${limit}:${text as string}`;
    }
    slots.push({ limit, max: own.limit, strategy: own.strategy ?? "ENQUEUE" });
  }
  return slots.sort((a, b) => (a.limit < b.limit ? -1 : a.limit > b.limit ? 1 : 0));
}

/** The lease id of a run's slot of `limit`: one per run and limit, across executions. */
export function runLeaseId(runId: string, limit: string): string {
  return `${runId}/run/${limit}`;
}

/**
 * Takes the run's slots. Resolves `granted`, or `refused` with the reason (CANCEL_NEW found no
 * free slot); rejects with the abort reason when the run is cancelled while it waits. In a
 * durable host a wait suspends the execution (see the executor).
 *
 * @example
 * ```ts
 * const taken = await takeRunSlots(exec, slots);
 * ```
 */
export async function takeRunSlots(
  exec: Execution,
  slots: readonly RunSlot[],
): Promise<
  { readonly status: "granted" } | { readonly status: "refused"; readonly reason: string }
> {
  const label = exec.record.info?.name ?? exec.runId;
  for (const slot of slots) {
    const result = await takeSlot(
      exec,
      {
        limit: slot.limit,
        leaseId: runLeaseId(exec.runId, slot.limit),
        occupy: 1,
        kind: "hold",
        scope: "run",
        strategy: slot.strategy,
        holder: { runId: exec.runId, label },
        declare: { limit: slot.max, enforce: true },
      },
      exec.signal,
      async (waiting) => {
        const at = exec.now();
        const message = waitingMessage(slot.limit, waiting.held, waiting.limit);
        const current = exec.record.state;
        // A run woken before its turn waits again: one state for the whole wait.
        if (current?.name !== "AwaitingConcurrencySlot" || current.message !== message) {
          await exec.append([
            { type: "run.state", at, state: AwaitingConcurrencySlot(at, { message }) },
          ]);
        }
        exec.engineLogger.info(message);
        // Said now, not with the next journal entry: the wait may be long.
        await exec.flushLogs();
      },
    );
    if (result.status === "refused") {
      await releaseRunSlots(exec, slots);
      return { status: "refused", reason: result.reason };
    }
  }
  return { status: "granted" };
}

/**
 * Gives the run's slots back (when it finishes). Harmless for slots it does not hold.
 *
 * @example
 * ```ts
 * await releaseRunSlots(exec, slots);
 * ```
 */
export async function releaseRunSlots(exec: Execution, slots: readonly RunSlot[]): Promise<void> {
  await giveBack(
    exec,
    slots.map((slot) => ({ limit: slot.limit, leaseId: runLeaseId(exec.runId, slot.limit) })),
  );
}
