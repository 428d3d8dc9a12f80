/**
 * Follows one run over GET /api/runs/{id}/live: the first message is a snapshot; after it,
 * journal batches and log lines. Each journal batch asks for a fresh snapshot (one request in
 * flight at a time, so a burst of batches costs one or two snapshots, not one each). When the
 * socket drops it reconnects with backoff; there is no polling while it is open.
 *
 * The token travels as a subprotocol (protocol/live_protocol.ts), since a browser cannot
 * set headers on a WebSocket. A socket that closes before it opens may have been refused
 * (401, 404): the browser does not say why, so `checkBeforeRetry` asks the API over HTTP,
 * which shows the token prompt or the API's error, before the next attempt.
 *
 * @module
 */

import { LIVE_PROTOCOL, tokenProtocol } from "../../../protocol/live_protocol.ts";
import type { JournalEntry, LiveMessage, LogLine, RunDetail } from "../api/types.ts";
import { backoffDelay } from "./live_state.ts";

/** Where the feed is. */
export type LiveStatus = "connecting" | "live" | "reconnecting" | "stopped";

/** What the feed tells its page. */
export interface LiveHandlers {
  snapshot(run: RunDetail | null): void;
  journal(entries: readonly JournalEntry[]): void;
  log(line: LogLine): void;
  /** The socket opened; `again` after a drop (the page fetches the log lines it missed). */
  opened(again: boolean): void;
  status(status: LiveStatus): void;
  /** Before reconnecting after a socket that never opened; throw to stop trying. */
  checkBeforeRetry(): Promise<void>;
}

/**
 * A live feed of one run.
 *
 * @example
 * ```ts
 * const feed = new LiveFeed(runId, () => token.value, handlers);
 * feed.start();
 * // later
 * feed.stop();
 * ```
 */
export class LiveFeed {
  #ws: WebSocket | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #everOpened = false;
  #stopped = false;
  #snapshotPending = false;
  #snapshotWanted = false;

  constructor(
    readonly runId: string,
    readonly tokenOf: () => string | null,
    readonly handlers: LiveHandlers,
  ) {}

  /** Opens the socket. */
  start(): void {
    this.#stopped = false;
    this.#connect(false);
  }

  /** Closes the socket for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    this.#ws = null;
    if (ws !== null && ws.readyState <= WebSocket.OPEN) ws.close(1000, "page closed");
    this.handlers.status("stopped");
  }

  /** Asks for a fresh snapshot now (coalesced with one already asked for). */
  refresh(): void {
    const ws = this.#ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    if (this.#snapshotPending) {
      this.#snapshotWanted = true;
      return;
    }
    this.#snapshotPending = true;
    ws.send("snapshot");
  }

  /** Drops the socket and connects again at once (after a new token was saved, say). */
  reconnect(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    this.#ws = null;
    if (ws !== null && ws.readyState <= WebSocket.OPEN) ws.close(1000, "reconnecting");
    this.#connect(this.#everOpened);
  }

  #url(): string {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/api/runs/${encodeURIComponent(this.runId)}/live`;
  }

  #connect(again: boolean): void {
    if (this.#stopped) return;
    this.handlers.status(again ? "reconnecting" : "connecting");
    const secret = this.tokenOf();
    const protocols =
      secret === null || secret === "" ? [LIVE_PROTOCOL] : [LIVE_PROTOCOL, tokenProtocol(secret)];
    let opened = false;
    const ws = new WebSocket(this.#url(), protocols);
    this.#ws = ws;
    this.#snapshotPending = true; // the server sends one on open
    this.#snapshotWanted = false;
    ws.addEventListener("open", () => {
      if (this.#ws !== ws) return;
      opened = true;
      this.#failures = 0;
      const reopened = this.#everOpened;
      this.#everOpened = true;
      this.handlers.status("live");
      this.handlers.opened(reopened);
    });
    ws.addEventListener("message", (event) => {
      if (this.#ws !== ws) return;
      this.#message(String(event.data));
    });
    ws.addEventListener("close", () => {
      if (this.#ws !== ws || this.#stopped) return;
      this.#ws = null;
      this.#retry(opened);
    });
  }

  #message(text: string): void {
    let message: LiveMessage;
    try {
      message = JSON.parse(text) as LiveMessage;
    } catch {
      return; // "pong", or something newer this page does not know
    }
    switch (message.type) {
      case "snapshot":
        this.#snapshotPending = false;
        this.handlers.snapshot(message.run);
        if (this.#snapshotWanted) {
          this.#snapshotWanted = false;
          this.refresh();
        }
        break;
      case "journal":
        this.handlers.journal(message.entries);
        this.refresh();
        break;
      case "log":
        this.handlers.log(message.log);
        break;
    }
  }

  async #retry(hadOpened: boolean): Promise<void> {
    this.handlers.status("reconnecting");
    const delay = backoffDelay(this.#failures++);
    if (!hadOpened) {
      try {
        await this.handlers.checkBeforeRetry();
      } catch {
        this.stop();
        return;
      }
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#connect(this.#everOpened), delay);
  }
}
