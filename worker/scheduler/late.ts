/**
 * Late runs. A Scheduled run not started LATE_AFTER_MS after its time is marked Late (a state
 * of type SCHEDULED named "Late", as in Prefect) and runs as soon as it can. Its own object
 * marks it when it starts that late (its state history shows Late before Running), and the
 * tick pokes runs the index still shows Scheduled past that time ({@link pokeLateRuns}), in
 * case their alarm was lost. This module also holds the journal entries those states are.
 *
 * @module
 */

import { LATE_AFTER_MS } from "../../protocol/deployment.ts";
import {
  Cancelled,
  CancelledError,
  type JournalEntry,
  Late,
  Scheduled,
  serializeError,
} from "../../runtime/host.ts";
import type { WeirEnv } from "../env.ts";
import { runObject } from "../rpc.ts";
import { STALE_AFTER_MS } from "../sweep.ts";

/** The most late runs one tick pokes (the rest wait for the next tick). */
export const LATE_PER_TICK = 100;

/**
 * Whether a run scheduled at `scheduledAt` is late at `nowMs`.
 *
 * @example
 * ```ts
 * isLate(at, at + 16_000); // true
 * ```
 */
export function isLate(scheduledAt: number, nowMs: number): boolean {
  return nowMs - scheduledAt > LATE_AFTER_MS;
}

/**
 * The entry that marks a run Late.
 *
 * @example
 * ```ts
 * journal.append(runId, [lateEntry(Date.now(), scheduledAt)]);
 * ```
 */
export function lateEntry(at: number, scheduledAt: number): JournalEntry {
  return { type: "run.state", at, state: Late(at, { scheduledTime: scheduledAt }) };
}

/**
 * The entries that end a missed run its catch-up policy does not run: finished, in a state of
 * type CANCELLED named "Skipped" whose message says why.
 *
 * @example
 * ```ts
 * journal.append(runId, skippedEntries(Date.now(), verdict.message));
 * ```
 */
export function skippedEntries(at: number, message: string): JournalEntry[] {
  return [
    { type: "run.finished", at, error: serializeError(new CancelledError(message)) },
    { type: "run.state", at, state: { ...Cancelled(at, { message }), name: "Skipped" } },
  ];
}

/**
 * A scheduler-created run whose time has already passed (a catch-up run, a late one) is still
 * a scheduled run: its creation keeps its time and starts in Scheduled, so its start marks it
 * Late and applies the catch-up policy like any other. (The runtime's creation makes a run
 * for a past time Pending and forgets the time.)
 *
 * @example
 * ```ts
 * const entries = asScheduled(runCreation(flow, runId, create, now).entries, scheduledAt);
 * ```
 */
export function asScheduled(entries: readonly JournalEntry[], scheduledAt: number): JournalEntry[] {
  return entries.map((entry) => {
    if (entry.type === "run.created") return { ...entry, run: { ...entry.run, scheduledAt } };
    if (entry.type === "run.state" && entry.state.type === "PENDING") {
      return { ...entry, state: Scheduled(entry.at, { scheduledTime: scheduledAt }) };
    }
    return entry;
  });
}

/** What {@link pokeLateRuns} did. */
export interface LatePokes {
  /** Runs marked Late now. */
  readonly marked: number;
  /** Index rows of runs whose object holds no run (a discard that could not reach D1), deleted. */
  readonly orphansDeleted: number;
}

/**
 * Pokes runs the index shows Scheduled more than LATE_AFTER_MS after their time (and Late runs
 * that have not moved for STALE_AFTER_MS): each object marks its run Late and makes it due at
 * once, which re-arms an alarm that was lost.
 *
 * @example
 * ```ts
 * const { marked } = await pokeLateRuns(env, Date.now());
 * ```
 */
export async function pokeLateRuns(env: WeirEnv, nowMs: number): Promise<LatePokes> {
  const { results } = await env.DB.prepare(
    `SELECT id FROM runs WHERE state_type = 'SCHEDULED' AND scheduled_at < ?
     AND (state_name = 'Scheduled' OR (state_name = 'Late' AND updated_at < ?))
     ORDER BY scheduled_at LIMIT ?`,
  )
    .bind(nowMs - LATE_AFTER_MS, nowMs - STALE_AFTER_MS, LATE_PER_TICK)
    .all<{ id: string }>();
  const answers = await Promise.all(
    results.map(async (row) => ({ id: row.id, result: await runObject(env, row.id).markLate() })),
  );
  const orphans = answers.filter((a) => a.result === "no-run").map((a) => a.id);
  if (orphans.length > 0) {
    await env.DB.batch(
      orphans.map((id) =>
        env.DB.prepare("DELETE FROM runs WHERE id = ? AND state_type = 'SCHEDULED'").bind(id),
      ),
    );
  }
  return {
    marked: answers.filter((a) => a.result === "late").length,
    orphansDeleted: orphans.length,
  };
}
