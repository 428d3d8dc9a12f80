/**
 * The two ways a call to the Weir API fails: the server answered with an error
 * ({@link WeirApiError}), or it could not be reached at all ({@link WeirUnreachableError}).
 *
 * @module
 */

import type { ApiErrorBody } from "../protocol/error.ts";

/**
 * An error the API answered with: its HTTP `status`, its machine-readable `code` (such as
 * `not_found` or `invalid_parameters`) and, for a bad value, the `field` it is about.
 *
 * @example
 * ```ts
 * try {
 *   await client.createRun("cat-fact", { parameters: { n: "three" } });
 * } catch (error) {
 *   if (error instanceof WeirApiError && error.status === 422) console.log(error.field);
 * }
 * ```
 */
export class WeirApiError extends Error {
  override readonly name = "WeirApiError";

  constructor(
    /** The HTTP status, such as 404 or 422. */
    readonly status: number,
    /** The API's error code, such as `not_found`, `unauthorized` or `invalid_parameters`. */
    readonly code: string,
    message: string,
    /** The field a 400 or 422 is about, such as `parameters.url`, when the API names one. */
    readonly field?: string,
  ) {
    super(message);
  }

  /**
   * Builds the error from a response whose status is not 2xx.
   *
   * @example
   * ```ts
   * if (!res.ok) throw await WeirApiError.fromResponse(res);
   * ```
   */
  static async fromResponse(res: Response): Promise<WeirApiError> {
    const text = await res.text().catch(() => "");
    try {
      const body = JSON.parse(text) as Partial<ApiErrorBody>;
      const error = body.error;
      if (error !== undefined && typeof error.code === "string") {
        return new WeirApiError(res.status, error.code, error.message ?? text, error.field);
      }
    } catch {
      // Not JSON: a proxy or a server that is not Weir answered.
    }
    const message = text.trim() === "" ? `HTTP ${res.status} ${res.statusText}` : text.trim();
    return new WeirApiError(res.status, `http_${res.status}`, message.slice(0, 500));
  }
}

/**
 * The server could not be reached (connection refused, DNS failure, timeout): no HTTP answer
 * at all. `url` is the address that was tried and `cause` the platform's error.
 *
 * @example
 * ```ts
 * try {
 *   await client.health();
 * } catch (error) {
 *   if (error instanceof WeirUnreachableError) console.log(`Is Weir running at ${error.url}?`);
 * }
 * ```
 */
export class WeirUnreachableError extends Error {
  override readonly name = "WeirUnreachableError";

  constructor(
    /** The URL the request went to. */
    readonly url: string,
    cause: unknown,
  ) {
    super(`Could not reach the Weir API at ${url}: ${describeCause(cause)}`, { cause });
  }
}

/** The most specific message in an error's cause chain (fetch wraps the socket error). */
function describeCause(cause: unknown): string {
  let error: unknown = cause;
  let message = String(cause);
  for (let i = 0; i < 5 && error instanceof Error; i++) {
    const code = (error as { code?: unknown }).code;
    message = typeof code === "string" ? `${error.message} (${code})` : error.message;
    error = error.cause;
  }
  return message;
}
