/**
 * Small helpers of the client's requests: query strings and waits.
 *
 * @module
 */

/**
 * `?a=1&b=2` from the defined values, or "".
 *
 * @example
 * ```ts
 * queryString({ flow: "x", cursor: undefined }); // "?flow=x"
 * ```
 */
export function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/**
 * Waits `ms`, or less if `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(500, signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
