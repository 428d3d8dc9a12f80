/**
 * Runs the steps of `concurrency()` and `rateLimit()` (see ../concurrency.ts): `acquire` and
 * `rate` take a slot of each limit in name order, waiting in line (state
 * AwaitingConcurrencySlot) when they must; `release` gives back what an `acquire` took.
 *
 * An `acquire`'s slots are `run` leases: the run holds them across suspensions until the
 * release step, or until it finishes (the host frees what a finished run still holds).
 *
 * @module
 */

import { encode } from "../codec.ts";
import { NonRetryableError, serializeError, TimeoutError } from "../errors.ts";
import type { JournalEntry } from "../journal.ts";
import { waitingMessage } from "../limits/messages.ts";
import type { SlotRequest } from "../limits/port.ts";
import { AwaitingConcurrencySlot, Completed, Failed, Pending, TimedOut } from "../states.ts";
import type { StepSpec } from "../step.ts";
import { cancelStep } from "./cancel_step.ts";
import type { Execution, Outcome } from "./execution.ts";
import type { StepRecord } from "./run_record.ts";
import { giveBack, takeSlot } from "./slots.ts";

type SlotSpec = Extract<StepSpec, { type: "slot" }>;

/**
 * The step's name in the journal: what a replay compares.
 *
 * @example
 * ```ts
 * slotStepName({ type: "slot", action: "acquire", limits: ["db"] }); // "concurrency(db)"
 * ```
 */
export function slotStepName(spec: SlotSpec): string {
  const names = spec.limits.join(",");
  switch (spec.action) {
    case "acquire":
      return `concurrency(${names})`;
    case "rate":
      return `rate-limit(${names})`;
    case "release":
      return `release(${names})`;
  }
}

/**
 * Runs a slot step the journal does not hold an outcome for.
 *
 * @example
 * ```ts
 * const outcome = await runSlotStep(exec, "2", spec, undefined, "concurrency-db-2", exec.signal);
 * ```
 */
export async function runSlotStep(
  exec: Execution,
  stepId: string,
  spec: SlotSpec,
  rec: StepRecord | undefined,
  runName: string,
  signal: AbortSignal,
): Promise<Outcome> {
  const name = slotStepName(spec);
  const startedEntry = (at: number, state: ReturnType<typeof Pending>, wakeAt?: number) =>
    ({
      type: "step.started",
      at,
      stepId,
      kind: "slot",
      name,
      runName,
      attempt: 1,
      state,
      ...(wakeAt === undefined ? {} : { wakeAt }),
    }) as const satisfies JournalEntry;
  if (spec.action === "release") {
    const lease = spec.lease ?? "";
    await giveBack(
      exec,
      spec.limits.map((limit) => ({ limit, leaseId: `${lease}/${limit}` })),
    );
    const at = exec.now();
    const state = Completed(at);
    await exec.append([
      startedEntry(at, Pending(at)),
      { type: "step.completed", at, stepId, state },
    ]);
    return { ok: true, value: undefined, at, state };
  }
  let deadline = rec?.wakeAt;
  if (rec === undefined) {
    const at = exec.now();
    deadline = spec.timeoutMs === undefined ? undefined : at + spec.timeoutMs;
    await exec.append([startedEntry(at, Pending(at), deadline)]);
  }
  const lease = `${exec.runId}/${stepId}`;
  const taken: { limit: string; leaseId: string }[] = [];
  for (const limit of spec.limits) {
    const request: SlotRequest = {
      limit,
      leaseId: `${lease}/${limit}`,
      occupy: spec.occupy ?? 1,
      kind: spec.action === "rate" ? "rate" : "hold",
      scope: "run",
      strategy: "ENQUEUE",
      holder: { runId: exec.runId, stepId, label: runName },
      ...(spec.declare === undefined ? {} : { declare: { ...spec.declare, enforce: false } }),
    };
    let result: Awaited<ReturnType<typeof takeSlot>>;
    try {
      result = await takeSlot(
        exec,
        request,
        signal,
        async (waiting) => {
          const at = exec.now();
          const message = waitingMessage(limit, waiting.held, waiting.limit);
          const current = exec.record.steps.get(stepId)?.state;
          // Woken again while still in line (the sweep pokes quiet runs): one state per wait.
          if (current?.name !== "AwaitingConcurrencySlot" || current.message !== message) {
            const state = AwaitingConcurrencySlot(
              at,
              deadline === undefined ? { message } : { message, scheduledTime: deadline },
            );
            await exec.append([startedEntry(at, state, deadline)]);
          }
          exec.engineLogger.info(message);
          // Said now, not with the next journal entry: the wait may be long.
          await exec.flushLogs();
        },
        deadline === undefined ? {} : { deadline },
      );
    } catch (error) {
      await giveBack(exec, taken);
      if (signal.aborted) return cancelStep(exec, stepId, error, 1);
      const cause = error as Error;
      result = {
        status: "refused",
        held: 0,
        limit: 0,
        reason: `Could not take a slot of concurrency limit '${limit}': ${cause.message}`,
      };
    }
    let problem: Error | undefined;
    if (result.status === "refused") problem = new NonRetryableError(result.reason);
    else if (result.status === "timedOut") {
      problem = new TimeoutError(
        `Waited for a slot of concurrency limit '${limit}' until ${new Date(deadline ?? 0).toISOString()}; none was free`,
      );
    } else if (result.status === "none" && spec.strict === true) {
      problem = new NonRetryableError(
        `Concurrency limit '${limit}' does not exist or is inactive (strict): create it with \`weir concurrency-limit create ${limit} N\``,
      );
    }
    if (problem !== undefined) {
      await giveBack(exec, taken);
      const at = exec.now();
      const state =
        result.status === "timedOut"
          ? TimedOut(at, { message: problem.message })
          : Failed(at, { message: problem.message });
      exec.engineLogger.error(problem.message);
      await exec.append([
        { type: "step.failed", at, stepId, state, error: serializeError(problem), attempt: 1 },
      ]);
      return { ok: false, error: problem, at, state };
    }
    if (result.status === "granted") taken.push({ limit, leaseId: request.leaseId });
  }
  const at = exec.now();
  const state = Completed(at);
  await exec.append([{ type: "step.completed", at, stepId, state, value: encode(lease) }]);
  return { ok: true, value: lease, at, state };
}
