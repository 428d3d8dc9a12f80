/**
 * A run's live feed: the WebSockets watching a run object, accepted with the hibernation API
 * (an idle watcher costs the object nothing), and what the object sends them.
 *
 * @module
 */

import type { LiveMessage } from "./api/run_json.ts";

/**
 * The sockets of one run object. The object forwards its WebSocket handlers here.
 *
 * @example
 * ```ts
 * const feed = new LiveFeed(ctx);
 * return feed.accept({ type: "snapshot", run });       // in fetch()
 * if (feed.watched) feed.send({ type: "log", log });    // on every change
 * ```
 */
export class LiveFeed {
  /** Whether any socket is open, so a change with no watcher costs nothing. */
  #watched: boolean;

  constructor(readonly ctx: DurableObjectState) {
    // Sockets survive hibernation: an object woken for one of them must still feed it.
    this.#watched = ctx.getWebSockets().length > 0;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  get watched(): boolean {
    return this.#watched;
  }

  /** Accepts a WebSocket upgrade and sends it `first`; answers 426 to any other request. */
  accept(request: Request, first: () => LiveMessage): Response {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json(
        { error: { code: "bad_request", message: "This endpoint takes a WebSocket upgrade" } },
        { status: 426 },
      );
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    this.#watched = true;
    pair[1].send(JSON.stringify(first()));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Sends a message to every socket. */
  send(message: LiveMessage): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const text = JSON.stringify(message);
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // A socket closing as we send: the client reconnects and asks for a snapshot.
      }
    }
  }

  /** Completes a closing handshake. */
  closed(ws: WebSocket, code: number): void {
    // 1005 (the client gave no code), 1006 (the connection dropped) and 1015 are reserved:
    // sending one back throws, so answer those with 1000.
    const reply = code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
    try {
      ws.close(reply, "closing");
    } catch {
      // Already closed.
    }
    this.dropped(ws);
  }

  /** Notes that a socket is gone. */
  dropped(ws: WebSocket): void {
    this.#watched = this.ctx.getWebSockets().some((socket) => socket !== ws);
  }
}
