// LiveFeed against a scripted WebSocket (no server): the subprotocols it offers, snapshot
// requests coalesced while one is in flight, reconnecting with backoff after a drop (and only
// then), the HTTP check before retrying a socket that never opened, and stop() ending it all.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { LIVE_PROTOCOL, tokenProtocol } from "../../../protocol/live_protocol.ts";
import type { LiveHandlers, LiveStatus } from "./live_socket.ts";
import { LiveFeed } from "./live_socket.ts";

type Listener = (event: { data?: unknown }) => void;

/** A WebSocket the test opens, feeds and drops by hand. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  readonly sent: string[] = [];
  readonly #listeners = new Map<string, Listener[]>();
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  addEventListener(type: string, listener: Listener) {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
  }
  emit(type: string, data?: unknown) {
    if (type === "open") this.readyState = FakeSocket.OPEN;
    if (type === "close") this.readyState = FakeSocket.CLOSED;
    for (const listener of this.#listeners.get(type) ?? []) listener({ data });
  }
  message(value: unknown) {
    this.emit("message", typeof value === "string" ? value : JSON.stringify(value));
  }
}

const run = {
  id: "r",
  state: { type: "RUNNING", name: "Running", timestamp: 1 },
  stateHistory: [],
};

function recorder(check: () => Promise<void> = async () => {}) {
  const events: string[] = [];
  const statuses: LiveStatus[] = [];
  const handlers: LiveHandlers = {
    snapshot: (r) => events.push(`snapshot:${r?.id}`),
    journal: (entries) => events.push(`journal:${entries.length}`),
    log: (line) => events.push(`log:${line.cursor}`),
    opened: (again) => events.push(`opened:${again}`),
    status: (s) => statuses.push(s),
    checkBeforeRetry: async () => {
      events.push("check");
      await check();
    },
  };
  return { events, statuses, handlers };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("LiveFeed", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    Object.assign(globalThis, {
      WebSocket: FakeSocket,
      window: { location: { protocol: "https:", host: "weir.example" } },
    });
    mock.timers.enable({ apis: ["setTimeout"] });
  });
  afterEach(() => {
    mock.timers.reset();
  });

  it("offers the live subprotocol, and the token's when there is one", () => {
    new LiveFeed("r 1", () => null, recorder().handlers).start();
    new LiveFeed("r", () => "s3cret", recorder().handlers).start();
    const [open, secured] = FakeSocket.all;
    assert.equal(open?.url, "wss://weir.example/api/runs/r%201/live");
    assert.deepEqual(open?.protocols, [LIVE_PROTOCOL]);
    assert.deepEqual(secured?.protocols, [LIVE_PROTOCOL, tokenProtocol("s3cret")]);
  });

  it("passes messages on and asks for one snapshot at a time", () => {
    const { events, statuses, handlers } = recorder();
    new LiveFeed("r", () => null, handlers).start();
    const ws = FakeSocket.all[0] as FakeSocket;
    ws.emit("open");
    ws.message({ type: "snapshot", run });
    ws.message({ type: "journal", runId: "r", entries: [{}, {}] });
    ws.message({ type: "journal", runId: "r", entries: [{}] });
    ws.message({ type: "log", log: { cursor: 7 } });
    ws.message("pong");
    // Two batches, but the second waits for the first's snapshot.
    assert.deepEqual(ws.sent, ["snapshot"]);
    ws.message({ type: "snapshot", run });
    assert.deepEqual(ws.sent, ["snapshot", "snapshot"]);
    ws.message({ type: "snapshot", run });
    assert.deepEqual(ws.sent, ["snapshot", "snapshot"]);
    assert.deepEqual(events, [
      "opened:false",
      "snapshot:r",
      "journal:2",
      "journal:1",
      "log:7",
      "snapshot:r",
      "snapshot:r",
    ]);
    assert.deepEqual(statuses, ["connecting", "live"]);
  });

  it("reconnects with backoff after a drop, and says it is a reconnection", async () => {
    const { events, statuses, handlers } = recorder();
    new LiveFeed("r", () => null, handlers).start();
    const first = FakeSocket.all[0] as FakeSocket;
    first.emit("open");
    first.emit("close");
    await settle();
    assert.equal(FakeSocket.all.length, 1, "not at once");
    mock.timers.tick(500);
    assert.equal(FakeSocket.all.length, 2, "after at most 0.5 s");
    (FakeSocket.all[1] as FakeSocket).emit("open");
    assert.deepEqual(
      events,
      ["opened:false", "opened:true"],
      "no HTTP check after a socket that opened",
    );
    assert.deepEqual(statuses, ["connecting", "live", "reconnecting", "reconnecting", "live"]);
  });

  it("checks over HTTP before retrying a socket that never opened, and backs off", async () => {
    const { events, handlers } = recorder();
    new LiveFeed("r", () => null, handlers).start();
    for (let attempt = 0; attempt < 3; attempt++) {
      (FakeSocket.all[attempt] as FakeSocket).emit("close");
      await settle();
      mock.timers.tick(500 * 2 ** attempt);
    }
    assert.equal(FakeSocket.all.length, 4);
    assert.deepEqual(events, ["check", "check", "check"]);
  });

  it("stops when the HTTP check fails (no such run, no token), and after stop()", async () => {
    const failing = recorder(async () => {
      throw new Error("No run with id 'r'");
    });
    new LiveFeed("r", () => null, failing.handlers).start();
    (FakeSocket.all[0] as FakeSocket).emit("close");
    await settle();
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 1);
    assert.equal(failing.statuses.at(-1), "stopped");

    const { handlers } = recorder();
    const feed = new LiveFeed("r", () => null, handlers);
    feed.start();
    const ws = FakeSocket.all[1] as FakeSocket;
    ws.emit("open");
    feed.stop();
    assert.equal(ws.readyState, FakeSocket.CLOSED);
    ws.emit("close");
    await settle();
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 2, "no reconnection after stop()");
  });
});
