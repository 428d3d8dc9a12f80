/**
 * What creating a run writes: its identity and its first state. The executor journals it for
 * an in-process run; a durable host journals it itself when it creates the run ahead of
 * executing it.
 *
 * @module
 */

import { encode } from "../codec.ts";
import type { AnyFlow } from "../flow_types.ts";
import type { JournalEntry, RunInfo } from "../journal.ts";
import type { RunSlot } from "../limits/port.ts";
import type { LogRecord } from "../logs.ts";
import { hashString, seededRandom } from "../random.ts";
import { formatTemplate, generateRunName } from "../run_names.ts";
import { Pending, Scheduled } from "../states.ts";

/** What creating a new run needs. */
export interface CreateRun {
  readonly params: unknown;
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly scheduledAt?: number;
  readonly parentRunId?: string;
  readonly parentStepId?: string;
  /** The run's own concurrency slots (a deployment's limit), taken before it starts. */
  readonly slots?: readonly RunSlot[];
}

/**
 * The journal entries that create a run, and the log lines to write after them beside the
 * entries' own (a warning when the flow's `runName` template failed): its identity (name from the flow's
 * `runName` template or a generated two-word name, a seed for `ctx.random()`) and its first
 * state (Scheduled when `scheduledAt` is in the future, else Pending). Hosts that create runs
 * before executing them (a Durable Object answering an API call) journal these themselves.
 *
 * @example
 * ```ts
 * const { entries } = runCreation(myFlow, "run-1", { params: {} }, Date.now());
 * await journal.append("run-1", entries);
 * ```
 */
export function runCreation(
  flow: AnyFlow,
  runId: string,
  create: CreateRun,
  at: number,
): { entries: JournalEntry[]; info: RunInfo; logs: LogRecord[] } {
  const seed = hashString(runId);
  let name = create.name;
  let nameProblem: string | undefined;
  const template = flow.options.runName;
  if (name === undefined && template !== undefined) {
    try {
      name =
        typeof template === "function"
          ? String(template(create.params))
          : formatTemplate(template, create.params);
    } catch (error) {
      nameProblem = (error as Error).message;
    }
  }
  name ??= generateRunName(seededRandom(seed));
  const info: { -readonly [K in keyof RunInfo]: RunInfo[K] } = {
    id: runId,
    flowName: flow.flowName,
    name,
    parameters: encode(create.params),
    tags: [...(flow.options.tags ?? []), ...(create.tags ?? [])],
    seed,
  };
  if (flow.options.version !== undefined) info.flowVersion = flow.options.version;
  if (create.parentRunId !== undefined) info.parentRunId = create.parentRunId;
  if (create.parentStepId !== undefined) info.parentStepId = create.parentStepId;
  if (create.slots !== undefined && create.slots.length > 0) info.slots = create.slots;
  const scheduled = create.scheduledAt !== undefined && create.scheduledAt > at;
  if (scheduled) info.scheduledAt = create.scheduledAt;
  const state = scheduled ? Scheduled(at, { scheduledTime: create.scheduledAt }) : Pending(at);
  // "Created flow run…" is the `run.created` entry's own line (see engine_lines.ts).
  const logs: LogRecord[] = [];
  if (nameProblem !== undefined) {
    logs.push({
      runId,
      source: "weir.engine",
      level: "WARNING",
      message: `Cannot use the flow's runName: ${nameProblem}; named the run '${name}'`,
      timestamp: at,
    });
  }
  return {
    entries: [
      { type: "run.created", at, run: info },
      { type: "run.state", at, state },
    ],
    info,
    logs,
  };
}
