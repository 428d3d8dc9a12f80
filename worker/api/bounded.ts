/**
 * A bounded fan-out: the API calls one Durable Object per item (a limit's view, a
 * configuration change) and a request may make only so many subrequests at once.
 *
 * @module
 */

/**
 * Maps `items` through `work`, at most `limit` at once, answering the results in order.
 *
 * @example
 * ```ts
 * const views = await mapBounded(names, 16, (name) => limitObject(env, name).view());
 * ```
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
