/**
 * Bearer-token auth for /api: when the `WEIR_API_TOKEN` secret is set, every request needs
 * `Authorization: Bearer <token>`; when it is not, the API is open and the Worker says so once
 * per isolate.
 *
 * A WebSocket upgrade may carry the token in a `weir.bearer.<base64url>` subprotocol instead
 * (see live_protocol.ts), because browsers cannot set headers on WebSockets. Only upgrades may:
 * an ordinary request offering that header is refused, so the header is no second way in.
 * Tokens are never logged.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { WeirEnv } from "../env.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { offeredProtocols, tokenFromProtocols } from "./live_protocol.ts";

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
    const upgrade = c.req.header("Upgrade")?.toLowerCase() === "websocket";
    const given =
      match !== null
        ? match[1]
        : upgrade
          ? tokenFromProtocols(offeredProtocols(c.req.header("Sec-WebSocket-Protocol")))
          : undefined;
    if (given === undefined || !(await sameSecret(given, token))) {
      c.header("WWW-Authenticate", 'Bearer realm="weir"');
      return errorResponse(
        c,
        new ApiError(
          "unauthorized",
          given !== undefined
            ? "The bearer token is not valid"
            : upgrade
              ? "This WebSocket needs an Authorization: Bearer <token> header or a weir.bearer.<base64url token> subprotocol"
              : "This API needs an Authorization: Bearer <token> header",
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
