/**
 * Bearer-token auth for /api: when the `WEIR_API_TOKEN` secret is set, every request needs
 * `Authorization: Bearer <token>`; when it is not, the API is open and the Worker says so once
 * per isolate.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { WeirEnv } from "../env.ts";
import { ApiError, errorResponse } from "./errors.ts";

let warned = false;

/**
 * The auth middleware.
 *
 * @example
 * ```ts
 * app.use("/api/*", bearerAuth());
 * ```
 */
export function bearerAuth(): MiddlewareHandler<{ Bindings: WeirEnv }> {
  return async (c, next) => {
    const token = c.env.WEIR_API_TOKEN;
    if (token === undefined || token === "") {
      if (!warned) {
        warned = true;
        console.warn(
          "weir: WEIR_API_TOKEN is not set, so the API is open to anyone who can reach it. Set it with `wrangler secret put WEIR_API_TOKEN`.",
        );
      }
      return next();
    }
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match === null || !(await sameSecret(match[1] ?? "", token))) {
      c.header("WWW-Authenticate", 'Bearer realm="weir"');
      return errorResponse(
        c,
        new ApiError(
          "unauthorized",
          match === null
            ? "This API needs an Authorization: Bearer <token> header"
            : "The bearer token is not valid",
        ),
      );
    }
    return next();
  };
}

/** Compares secrets in constant time (by their SHA-256, so lengths leak nothing either). */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
