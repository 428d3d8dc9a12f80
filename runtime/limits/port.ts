/**
 * The concurrency port: how an execution asks for slots of a concurrency limit and gives them
 * back. A limit is a name with a number of slots; a slot is held as a lease by a task run
 * (tag limits), by a group of steps (`concurrency()`), by a whole run (deployment and keyed
 * limits), or occupied for a while and left to decay (`rateLimit()`).
 *
 * In-process runs use `InMemoryConcurrency` (runtime/limits/in_memory.ts); the Worker holds each
 * limit in a Durable Object and grants a waiting run its slot with an RPC to the run's object.
 *
 * @module
 */

/**
 * What happens when no slot is free: `ENQUEUE` waits in line (first in, first out);
 * `CANCEL_NEW` is refused at once (a run so refused ends Cancelled).
 */
export const CollisionStrategy = {
  ENQUEUE: "ENQUEUE",
  CANCEL_NEW: "CANCEL_NEW",
} as const;
/** One of the {@link CollisionStrategy} values. */
export type CollisionStrategy = (typeof CollisionStrategy)[keyof typeof CollisionStrategy];

/**
 * How long a lease lives: `step` leases (a task run's tag slots) are held only while the
 * holder executes; `run` leases (a run's own slot, a `concurrency()` group) are held until the
 * run releases them or finishes, across suspensions.
 */
export type LeaseScope = "step" | "run";

/** Who holds, or waits for, a slot: shown in the API's holders and waiters. */
export interface SlotHolder {
  readonly runId: string;
  /** The step that holds it; absent for a run's own slot. */
  readonly stepId?: string;
  /** What people see: the task run's name, or the flow run's. */
  readonly label: string;
}

/**
 * A limit as code declares it (`concurrency("db", { limit: 2 })`, a deployment's or a flow's
 * limit): used to create the limit when it does not exist.
 */
export interface LimitDeclaration {
  readonly limit: number;
  /** Slots freed per second after they are released (rate limits); 0 frees them at once. */
  readonly slotDecayPerSecond?: number;
  /**
   * Whether the declaration's values replace the stored ones (deployment and flow limits,
   * whose source of truth is the declaration) or only create a missing limit (named limits,
   * which the API may change afterwards).
   */
  readonly enforce: boolean;
}

/**
 * One request for slots of one limit.
 *
 * @example
 * ```ts
 * const answer = await port.acquire({
 *   limit: "db", leaseId: "run-1/3/1/db", occupy: 1, kind: "hold", scope: "step",
 *   strategy: "ENQUEUE", holder: { runId: "run-1", stepId: "3", label: "load-3" },
 * }, (leaseId) => execution.deliverGrant(leaseId));
 * ```
 */
export interface SlotRequest {
  /** The limit's name: a tag, a named limit, `deployment:<id>[:<key>]` or `flow:<name>[:<key>]`. */
  readonly limit: string;
  /**
   * Idempotent: asking again with the same id answers for the same lease (granted if it is
   * held, its place in line if it waits). Derived from run, step, attempt and limit.
   */
  readonly leaseId: string;
  /** Slots to occupy, a positive integer no larger than the limit. */
  readonly occupy: number;
  /** `hold`: a lease, released when the work ends. `rate`: occupied slots decay; no release. */
  readonly kind: "hold" | "rate";
  readonly scope: LeaseScope;
  readonly strategy: CollisionStrategy;
  readonly holder: SlotHolder;
  /** Creates the limit when missing; without it a missing or inactive limit answers `none`. */
  readonly declare?: LimitDeclaration;
}

/**
 * The answer to a {@link SlotRequest}: `granted` (hold the slots now), `waiting` (in line at
 * `position`, 1-based; the grant comes later through the host), `refused` (no slot and the
 * strategy is CANCEL_NEW, or `occupy` exceeds the limit), or `none` (no such limit in force:
 * go ahead unlimited).
 */
export type SlotAnswer =
  | { readonly status: "granted" }
  | {
      readonly status: "waiting";
      readonly position: number;
      /** Slots held when the request was queued, and the limit, for the "2/2 slots" line. */
      readonly held: number;
      readonly limit: number;
    }
  | {
      readonly status: "refused";
      readonly held: number;
      readonly limit: number;
      readonly reason: string;
    }
  | { readonly status: "none" };

/**
 * The port. `acquire` answers at once; a `waiting` request is granted later, through
 * `onGrant` in this process, or (in the Worker) by an RPC to the run's object that reaches the
 * execution in progress or wakes the run, whose next execution asks again and is `granted`.
 *
 * @example
 * ```ts
 * const limits: ConcurrencyPort = new InMemoryConcurrency();
 * await myFlow.run(params, { limits });
 * ```
 */
export interface ConcurrencyPort {
  /** Which of `names` are limits in force (active): a task's tags cost nothing more when none is. */
  existing(names: readonly string[]): Promise<ReadonlySet<string>> | ReadonlySet<string>;
  acquire(request: SlotRequest, onGrant: (leaseId: string) => void): Promise<SlotAnswer>;
  /** Releases a lease, or leaves the line. Releasing twice, or after expiry, is harmless. */
  release(limit: string, leaseId: string): Promise<void>;
}

/**
 * A slot a whole run takes before it starts and holds until it finishes: a deployment's
 * concurrency limit (`deployment:<id>`, or `deployment:<id>:<key value>` when keyed by a
 * parameter) or a flow's (`flow:<name>[:<key value>]`). Journaled with the run's creation.
 *
 * @example
 * ```ts
 * const slot: RunSlot = { limit: "deployment:3f2a…", max: 2, strategy: "ENQUEUE" };
 * ```
 */
export interface RunSlot {
  readonly limit: string;
  /** The limit's value as declared; it replaces the stored one (see LimitDeclaration.enforce). */
  readonly max: number;
  readonly strategy: CollisionStrategy;
}
