/**
 * Waiting in tests without waiting on time: macrotask by macrotask, a bounded number of times.
 *
 * @module
 */

/**
 * One macrotask: every promise chain that can move has moved. Not a timed wait.
 *
 * @example
 * ```ts
 * await tick();
 * ```
 */
export const tick = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Waits (in macrotasks, never on time) until `condition` holds; fails after 500 of them.
 *
 * @example
 * ```ts
 * await eventually(() => calls === 2, "the second call");
 * ```
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await tick();
  }
  throw new Error(`Never happened: ${what}`);
}
