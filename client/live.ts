/**
 * The live feed over a WebSocket as an async iterator. The token travels as the
 * `weir.bearer.<base64url>` subprotocol beside `weir.live.v1` (see
 * protocol/live_protocol.ts), since browsers cannot set headers on a WebSocket.
 *
 * @module
 */

import type { LiveMessage } from "../protocol/live_message.ts";
import { LIVE_PROTOCOL, tokenProtocol } from "../protocol/live_protocol.ts";

/**
 * The part of a WebSocket the client uses (the global one, or Node 20's `ws`).
 *
 * @example
 * ```ts
 * const socket: WebSocketLike = new WebSocket(url, [LIVE_PROTOCOL]);
 * ```
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "error", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/**
 * A WebSocket constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package.
 *
 * @example
 * ```ts
 * import { WebSocket } from "ws";
 * const client = new WeirClient({ WebSocket: WebSocket as unknown as WebSocketConstructor });
 * ```
 */
export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

/** How the live feed reconnects: the backoff and how many sockets in a row may fail to open. */
const RECONNECT = { firstMs: 250, maxMs: 5000, failuresBeforeGivingUp: 5 } as const;

/**
 * Opens the live feed at `url` and yields its messages; after each journal batch it asks for
 * a fresh snapshot. A socket that drops after it opened is reopened (with backoff), and the
 * new one starts with a fresh snapshot. When a socket closes before it opens, `diagnose` asks
 * over HTTP why (it throws the API's error, such as a 401 or 404); after
 * {@link RECONNECT}.failuresBeforeGivingUp such sockets in a row, `gaveUp` gives the error.
 *
 * @example
 * ```ts
 * for await (const m of openLive(WebSocket, url, token, signal, diagnose, gaveUp)) console.log(m.type);
 * ```
 */
export async function* openLive(
  Ctor: WebSocketConstructor,
  url: string,
  token: string | undefined,
  signal: AbortSignal | undefined,
  diagnose: () => Promise<void>,
  gaveUp: () => Error,
): AsyncGenerator<LiveMessage> {
  const protocols = [LIVE_PROTOCOL, ...(token === undefined ? [] : [tokenProtocol(token)])];
  let failures = 0;
  let drops = 0;
  while (!signal?.aborted) {
    const socket = connect(Ctor, url, protocols, signal);
    try {
      for (;;) {
        const next = await socket.next();
        if (next === undefined) break;
        failures = 0;
        yield next;
      }
    } finally {
      socket.close();
    }
    if (signal?.aborted) return;
    if (socket.opened()) {
      drops = 0;
    } else {
      failures++;
      await diagnose();
      if (failures >= RECONNECT.failuresBeforeGivingUp) throw gaveUp();
    }
    const delay = Math.min(RECONNECT.maxMs, RECONNECT.firstMs * 2 ** (failures + drops++));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** One socket of the feed: its messages one at a time, `undefined` once it has closed. */
function connect(
  Ctor: WebSocketConstructor,
  url: string,
  protocols: string[],
  signal: AbortSignal | undefined,
): { next(): Promise<LiveMessage | undefined>; opened(): boolean; close(): void } {
  const ws = new Ctor(url, protocols);
  const queue: LiveMessage[] = [];
  let opened = false;
  let closed = false;
  let wake: () => void = () => {};
  const notify = () => wake();
  ws.addEventListener("open", () => {
    opened = true;
  });
  ws.addEventListener("message", (event) => {
    if (typeof event.data !== "string" || event.data === "pong") return;
    let message: LiveMessage;
    try {
      message = JSON.parse(event.data) as LiveMessage;
    } catch {
      return;
    }
    queue.push(message);
    if (message.type === "journal" && ws.readyState === 1) ws.send("snapshot");
    notify();
  });
  ws.addEventListener("close", () => {
    closed = true;
    notify();
  });
  ws.addEventListener("error", notify);
  const abort = () => {
    closed = true;
    notify();
  };
  signal?.addEventListener("abort", abort);
  return {
    async next() {
      for (;;) {
        const message = queue.shift();
        if (message !== undefined) return message;
        if (closed) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    opened: () => opened,
    close() {
      signal?.removeEventListener("abort", abort);
      if (ws.readyState <= 1) ws.close(1000, "done");
    },
  };
}
