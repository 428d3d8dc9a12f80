/**
 * Slot grants that reach an execution while it runs: a concurrency limit granted a lease the
 * execution waits for (or is about to wait for: a grant may arrive before the wait is set up,
 * so it is kept until taken).
 *
 * @module
 */

/**
 * The grants of one execution, by lease id.
 *
 * @example
 * ```ts
 * const grants = new Grants();
 * const wait = grants.wait("run-1/3/1/db");
 * grants.deliver("run-1/3/1/db"); // resolves wait.promise
 * ```
 */
export class Grants {
  readonly #early = new Set<string>();
  readonly #waiting = new Map<string, () => void>();

  /** Resolves when lease `leaseId` is granted; `cancel` stops waiting. */
  wait(leaseId: string): { promise: Promise<void>; cancel: () => void } {
    if (this.#early.delete(leaseId)) return { promise: Promise.resolve(), cancel: () => {} };
    const promise = new Promise<void>((resolve) => this.#waiting.set(leaseId, resolve));
    return { promise, cancel: () => this.#waiting.delete(leaseId) };
  }

  /** Hands a grant to its wait, or keeps it for a wait that has not started yet. */
  deliver(leaseId: string): void {
    const resolve = this.#waiting.get(leaseId);
    if (resolve === undefined) {
      this.#early.add(leaseId);
      return;
    }
    this.#waiting.delete(leaseId);
    resolve();
  }
}
