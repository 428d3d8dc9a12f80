/**
 * The lease keeper of a remote run: it holds the run's lease (holder, epoch, expiry), renews it
 * every third of its time to live while the run executes, and turns the server's answers into
 * actions. A 409 `lease_lost` (on a renewal or an append) aborts {@link LeaseKeeper.signal}
 * with a {@link LeaseLostError}, which the run gets as its `signal`: its tasks' signals abort,
 * and nothing more is written. `cancelRequested: true` in any answer calls `onCancel` once
 * (the host then cancels the run as the runtime does, `RunHandle.cancel`).
 *
 * @module
 */

import type { LeaseState, RunLease } from "../../protocol/remote_run.ts";
import type { RemoteApi } from "./api.ts";
import { LeaseLostError } from "./errors.ts";

/**
 * Options of {@link LeaseKeeper}.
 *
 * @example
 * ```ts
 * const options: LeaseKeeperOptions = { ttlMs: 30_000, onCancel: () => handle.cancel() };
 * ```
 */
export interface LeaseKeeperOptions {
  /** The lease's time to live, asked for on each renewal (ms). */
  readonly ttlMs: number;
  /** Called once when an answer says that cancellation of the run was requested. */
  readonly onCancel?: (() => void) | undefined;
  /** Local time (ms) the lease request was sent; default: when the keeper is made. */
  readonly grantedAt?: number;
  /** Called once when the run stops for good (lease lost, or the server unreachable). */
  readonly onStop?: ((reason: Error) => void) | undefined;
}

/**
 * Keeps one run's lease alive and fences the run's writes with it.
 *
 * @example
 * ```ts
 * const keeper = new LeaseKeeper(api, lease, { ttlMs: 30_000, onCancel: () => handle.cancel() });
 * keeper.start();
 * await myFlow.resume(runId, { signal: keeper.signal, journal, ... }).execution;
 * await keeper.release();
 * ```
 */
export class LeaseKeeper {
  #lease: RunLease;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #cancelled = false;
  /** Local time (ms) until which the lease is surely held: when it was last granted + ttl. */
  #heldUntil: number;
  readonly #controller = new AbortController();

  constructor(
    readonly api: RemoteApi,
    lease: RunLease,
    readonly options: LeaseKeeperOptions,
  ) {
    this.#lease = lease;
    this.#heldUntil = (options.grantedAt ?? Date.now()) + options.ttlMs;
  }

  /**
   * Whether the lease is surely still held, by this process's own clock: granted or renewed
   * less than two thirds of its time to live ago. A process that stalled (a partition, a long
   * pause) is not: its writes then wait for the server's answer before the run goes on, so it
   * starts no step after losing the run to another holder.
   */
  get fresh(): boolean {
    return Date.now() < this.#heldUntil - this.options.ttlMs / 3;
  }

  /** The lease as the server last answered it. */
  get lease(): RunLease {
    return this.#lease;
  }

  /** The epoch every write carries. */
  get epoch(): number {
    return this.#lease.epoch;
  }

  /** Aborts (with a {@link LeaseLostError}, or the error that stopped the run) when the run must stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the run must stop, once it must: writes are then refused without being sent. */
  get stopped(): Error | undefined {
    return this.#controller.signal.aborted ? (this.#controller.signal.reason as Error) : undefined;
  }

  /** Whether the server asked for the run to be cancelled. */
  get cancelRequested(): boolean {
    return this.#cancelled;
  }

  /** Starts renewing every third of the time to live. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#schedule();
  }

  /**
   * Takes in a renewal's or an append's answer: the lease as it now is, and whether the run was
   * asked to cancel.
   */
  observe(state: LeaseState): void {
    if (state.lease.epoch === this.#lease.epoch) this.#lease = state.lease;
    if (state.cancelRequested && !this.#cancelled) {
      this.#cancelled = true;
      this.options.onCancel?.();
    }
  }

  /**
   * Stops the run for good: aborts {@link signal} with `reason` (a {@link LeaseLostError}, or
   * the error that made the server unusable) and stops renewing.
   */
  fail(reason: Error): void {
    this.#stopTimer();
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(reason);
    this.options.onStop?.(reason);
  }

  /** Renews the lease now; a refusal stops the run (see {@link fail}). */
  async renew(): Promise<void> {
    if (this.stopped !== undefined) return;
    const sentAt = Date.now();
    try {
      this.observe(
        await this.api.renewLease(this.#lease.runId, {
          epoch: this.#lease.epoch,
          ttlMs: this.options.ttlMs,
        }),
      );
      this.#heldUntil = sentAt + this.options.ttlMs;
    } catch (error) {
      if (error instanceof LeaseLostError) this.fail(error);
      // Anything else (the server briefly unreachable): the next renewal tries again, and an
      // append that cannot be stored stops the run itself.
    }
  }

  /** Stops renewing and gives the lease back (when it is still held). */
  async release(): Promise<void> {
    this.#stopped = true;
    this.#stopTimer();
    if (this.stopped instanceof LeaseLostError) return;
    try {
      await this.api.releaseLease(this.#lease.runId, { epoch: this.#lease.epoch });
    } catch {
      // Lost or unreachable: it expires by itself.
    }
  }

  /** Stops renewing without giving the lease back (it expires by itself). */
  stop(): void {
    this.#stopped = true;
    this.#stopTimer();
  }

  #schedule(): void {
    const every = Math.max(50, Math.floor(this.options.ttlMs / 3));
    this.#timer = setTimeout(async () => {
      await this.renew();
      if (!this.#stopped && this.stopped === undefined) this.#schedule();
    }, every);
    // Node: a pending renewal alone does not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
