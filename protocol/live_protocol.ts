/**
 * How a browser authenticates the live WebSocket. Browsers cannot set headers on a WebSocket,
 * but they can offer subprotocols, which travel in the `Sec-WebSocket-Protocol` header of the
 * upgrade request, never in the URL (so the token stays out of access logs and history).
 *
 * The client offers two: {@link LIVE_PROTOCOL}, which the server echoes back, and
 * `weir.bearer.<base64url of the token>`, which the server reads and never echoes. This is the
 * scheme Kubernetes uses for its API server's WebSockets.
 *
 * This module has no imports: the Worker, the UI and the client share it, so both ends agree.
 *
 * @module
 */

/** The subprotocol a live-feed client offers and the server answers with. */
export const LIVE_PROTOCOL = "weir.live.v1";

/** The prefix of the subprotocol that carries the bearer token. */
export const TOKEN_PROTOCOL_PREFIX = "weir.bearer.";

/**
 * The subprotocol that carries a token: its UTF-8 bytes in unpadded base64url, which only
 * uses characters a subprotocol may contain.
 *
 * @example
 * ```ts
 * new WebSocket(url, [LIVE_PROTOCOL, tokenProtocol(token)]);
 * ```
 */
export function tokenProtocol(token: string): string {
  const bytes = new TextEncoder().encode(token);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const base64 = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${TOKEN_PROTOCOL_PREFIX}${base64}`;
}

/**
 * The subprotocols a `Sec-WebSocket-Protocol` header offers, in order.
 *
 * @example
 * ```ts
 * offeredProtocols("weir.live.v1, weir.bearer.czNjcmV0"); // ["weir.live.v1", "weir.bearer.czNjcmV0"]
 * ```
 */
export function offeredProtocols(header: string | null | undefined): string[] {
  if (header === null || header === undefined) return [];
  return header
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/**
 * The token carried by the offered subprotocols, or undefined when none carries one or it is
 * not valid base64url of UTF-8 text.
 *
 * @example
 * ```ts
 * tokenFromProtocols(["weir.live.v1", tokenProtocol("s3cret")]); // "s3cret"
 * ```
 */
export function tokenFromProtocols(protocols: readonly string[]): string | undefined {
  const carrier = protocols.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (carrier === undefined) return undefined;
  const encoded = carrier.slice(TOKEN_PROTOCOL_PREFIX.length);
  if (encoded === "" || !/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  const base64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
  try {
    const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}
