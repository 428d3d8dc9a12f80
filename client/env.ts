/**
 * Reading `WEIR_API_URL` and `WEIR_API_TOKEN` on any platform: Node's and Bun's
 * `process.env`, Deno's `Deno.env` (when permitted); nothing in a browser or a Worker.
 *
 * @module
 */

/**
 * The address used when neither the options nor `WEIR_API_URL` give one (`npm start`'s).
 *
 * @example
 * ```ts
 * new WeirClient().baseUrl === DEFAULT_API_URL; // when WEIR_API_URL is unset
 * ```
 */
export const DEFAULT_API_URL = "http://127.0.0.1:8787";

/**
 * An environment variable, or undefined where there is no environment or it may not be read.
 *
 * @example
 * ```ts
 * const url = envVar("WEIR_API_URL") ?? DEFAULT_API_URL;
 * ```
 */
export function envVar(name: string): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(name: string): string | undefined } };
  };
  try {
    const value = g.Deno?.env?.get(name) ?? g.process?.env?.[name];
    return value === undefined || value === "" ? undefined : value;
  } catch {
    return undefined; // Deno without --allow-env
  }
}
