/**
 * The concurrency port of a run executing in its Durable Object: each limit is a Durable
 * Object (worker/limits/object.ts) reached by RPC; the run's object keeps a row per lease it
 * asked for (leases.ts) until the limit has it back. Grants of waiting requests come back as
 * `slotGranted` RPCs to the run's object, not through `onGrant`.
 *
 * Which of a task's tags are limits is read from D1's catalogue and remembered for a second
 * per isolate, so a run of many tagged tasks asks D1 about once a second, not once a task.
 *
 * @module
 */

import type { ConcurrencyPort, SlotAnswer, SlotRequest } from "../../runtime/host.ts";
import type { WeirEnv } from "../env.ts";
import type { RunLeases } from "./leases.ts";
import { limitObject } from "./rpc.ts";

/** How long an answer about which names are limits is trusted. */
const CATALOGUE_FRESH_MS = 1_000;

/** name -> whether it is an active limit, and when D1 said so. */
const known = new Map<string, { readonly active: boolean; readonly at: number }>();

/**
 * The port for one run object.
 *
 * @example
 * ```ts
 * const limits = new DurableLimits(env, new RunLeases(ctx.storage));
 * ```
 */
export class DurableLimits implements ConcurrencyPort {
  constructor(
    readonly env: WeirEnv,
    readonly leases: RunLeases,
  ) {}

  async existing(names: readonly string[]): Promise<ReadonlySet<string>> {
    const now = Date.now();
    const found = new Set<string>();
    const unknown: string[] = [];
    for (const name of names) {
      const entry = known.get(name);
      if (entry === undefined || now - entry.at > CATALOGUE_FRESH_MS) unknown.push(name);
      else if (entry.active) found.add(name);
    }
    if (unknown.length === 0) return found;
    const marks = unknown.map(() => "?").join(", ");
    const { results } = await this.env.DB.prepare(
      `SELECT name FROM concurrency_limits WHERE active = 1 AND name IN (${marks})`,
    )
      .bind(...unknown)
      .all<{ name: string }>();
    const active = new Set(results.map((row) => row.name));
    for (const name of unknown) {
      known.set(name, { active: active.has(name), at: now });
      if (active.has(name)) found.add(name);
    }
    return found;
  }

  async acquire(request: SlotRequest): Promise<SlotAnswer> {
    // Written first: if the object dies after the limit queued or granted the request, the
    // run still knows to give it back.
    this.leases.add({ leaseId: request.leaseId, limit: request.limit, scope: request.scope });
    // If this throws, the request may or may not have reached the limit: the row stays, and
    // is given back when the run finishes.
    const answer = await limitObject(this.env, request.limit).acquire(request);
    const holdsNothing =
      answer.status === "none" ||
      answer.status === "refused" ||
      (answer.status === "granted" && request.kind === "rate");
    if (holdsNothing) this.leases.remove(request.leaseId);
    return answer;
  }

  async release(limit: string, leaseId: string): Promise<void> {
    await limitObject(this.env, limit).release(leaseId);
    this.leases.remove(leaseId);
  }
}

/**
 * Gives back every lease a finished run still has rows for. Resolves to the epoch ms to try
 * again at when a limit could not be reached, or `undefined` when all are back.
 *
 * @example
 * ```ts
 * const retryAt = await releaseAll(env, leases);
 * ```
 */
export async function releaseAll(env: WeirEnv, leases: RunLeases): Promise<number | undefined> {
  let failed = false;
  for (const row of leases.all()) {
    try {
      await limitObject(env, row.limit).release(row.leaseId);
      leases.remove(row.leaseId);
    } catch (error) {
      failed = true;
      console.error(`weir: releasing lease ${row.leaseId} of limit '${row.limit}' failed`, error);
    }
  }
  return failed ? Date.now() + 5_000 : undefined;
}
