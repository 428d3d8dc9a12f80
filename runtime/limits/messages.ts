/**
 * The one wording of why a run or a task run waits for a concurrency slot. The engine writes
 * it as the AwaitingConcurrencySlot state's message; the UI reads the limit's name back from
 * it to link the run to the limit's page.
 *
 * @module
 */

const WAITING = /^Waiting for concurrency limit '(.+)' \(\d+\/\d+ slots held\)$/;

/**
 * The message of a state that waits for a slot of `limit`.
 *
 * @example
 * ```ts
 * waitingMessage("db", 2, 2); // "Waiting for concurrency limit 'db' (2/2 slots held)"
 * ```
 */
export function waitingMessage(limit: string, held: number, max: number): string {
  return `Waiting for concurrency limit '${limit}' (${formatSlots(held)}/${max} slots held)`;
}

/**
 * The limit a {@link waitingMessage} names, or `undefined` for any other message.
 *
 * @example
 * ```ts
 * waitingLimitOf("Waiting for concurrency limit 'db' (2/2 slots held)"); // "db"
 * ```
 */
export function waitingLimitOf(message: string | undefined): string | undefined {
  return message === undefined ? undefined : WAITING.exec(message)?.[1];
}

/** Whole slots; a rate limit's decaying slots are rounded up (a slot is busy until it is free). */
function formatSlots(held: number): string {
  return String(Math.ceil(held - 1e-9));
}
