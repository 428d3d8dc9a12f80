// The live feed: GET /api/runs/{id}/live upgrades to a WebSocket on the run's object, which
// sends a snapshot, then every journal batch and log line as the run goes on.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  api,
  createRun,
  drive,
  expectError,
  json,
  post,
  stubOf,
  UNKNOWN_RUN,
  useFakeTime,
} from "./helpers.ts";

useFakeTime();

interface Message {
  type: string;
  run?: { id: string; state: { type: string; name: string } } | null;
  runId?: string;
  entries?: { type: string; state?: { type: string; name: string }; name?: string }[];
  log?: { message: string; level: string; cursor: number; runId: string };
}

/** A socket's messages, and a way to wait (on the messages themselves, not on a timer) for one. */
class Feed {
  readonly messages: (Message | string)[] = [];
  #waiters: { match: (m: Message | string) => boolean; resolve: (m: Message | string) => void }[] =
    [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      const text = String(event.data);
      let message: Message | string = text;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        // A plain text reply (pong).
      }
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
  }

  /** Resolves with the first message, already received or to come, that matches. */
  next<T extends Message | string>(match: (m: Message | string) => boolean, after = 0): Promise<T> {
    const found = this.messages.slice(after).find(match);
    if (found !== undefined) return Promise.resolve(found as T);
    return new Promise((resolve) =>
      this.#waiters.push({ match, resolve: resolve as (m: Message | string) => void }),
    );
  }

  journal(): { type: string; state?: { type: string; name: string } }[] {
    return this.messages.flatMap((m) =>
      typeof m === "object" && m.type === "journal" ? (m.entries ?? []) : [],
    );
  }
}

async function open(runId: string): Promise<Feed> {
  const res = await api(`/api/runs/${runId}/live`, { headers: { Upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (ws === null) throw new Error("no WebSocket in the 101 response");
  const feed = new Feed(ws);
  ws.accept();
  return feed;
}

const isRunState = (type: string) => (m: Message | string) =>
  typeof m === "object" &&
  m.type === "journal" &&
  (m.entries ?? []).some((e) => e.type === "run.state" && e.state?.type === type);

describe("GET /api/runs/{id}/live", () => {
  it("sends a snapshot, then journal entries and log lines as the run progresses", async () => {
    const run = await createRun("approval");
    const feed = await open(run.id);
    const snapshot = await feed.next<Message>(
      (m) => typeof m === "object" && m.type === "snapshot",
    );
    expect(snapshot.run?.id).toBe(run.id);
    expect(snapshot.run?.state.type).toBe("PENDING");

    await drive(run.id);
    await feed.next(isRunState("PAUSED"));
    const entries = feed.journal();
    expect(entries.map((e) => e.type)).toEqual(
      expect.arrayContaining(["run.state", "step.started", "step.completed"]),
    );
    expect(entries.filter((e) => e.type === "run.state").map((e) => e.state?.name)).toEqual([
      "Running",
      "Suspended",
    ]);
    const log = await feed.next<Message>(
      (m) =>
        typeof m === "object" &&
        m.type === "log" &&
        (m.log?.message ?? "").includes("Beginning flow run"),
    );
    expect(log.log).toMatchObject({ runId: run.id, level: "INFO", cursor: expect.any(Number) });

    const mark = feed.messages.length;
    await post(`/api/runs/${run.id}/events/approved`, { payload: { by: "ana" } });
    const received = await feed.next<Message>(
      (m) =>
        typeof m === "object" &&
        m.type === "journal" &&
        (m.entries ?? []).some((e) => e.type === "event.received"),
      mark,
    );
    expect(received.entries?.[0]).toMatchObject({ type: "event.received", name: "approved" });
    await drive(run.id);
    await feed.next(isRunState("COMPLETED"), mark);
    expect(feed.journal().some((e) => e.type === "run.finished")).toBe(true);

    // Asking for a snapshot gets the run as it is now; ping gets pong.
    const before = feed.messages.length;
    feed.ws.send("snapshot");
    const fresh = await feed.next<Message>(
      (m) => typeof m === "object" && m.type === "snapshot",
      before,
    );
    expect(fresh.run?.state.type).toBe("COMPLETED");
    feed.ws.send("ping");
    expect(await feed.next((m) => m === "pong", before)).toBe("pong");
    feed.ws.close(1000, "done");
  });

  it("sends the log lines a read returns, stored and rendered from the journal, in cursor order", async () => {
    const run = await createRun("failing", { parameters: { fail: true } });
    const feed = await open(run.id);
    await drive(run.id);
    await feed.next(isRunState("FAILED"));
    const live = feed.messages.flatMap((m) =>
      typeof m === "object" && m.type === "log" && m.log !== undefined ? [m.log] : [],
    );
    const read = await json<{ logs: { cursor: number; message: string }[] }>(
      api(`/api/runs/${run.id}/logs`),
    );
    // Everything after the creation's line, which was written before the socket opened.
    expect(read.logs[0]?.message).toContain("Created flow run");
    expect(live).toEqual(read.logs.slice(1));
    // A task run's failure line carries its stack below the first line (the API's errors do not).
    expect(live.map((l) => l.message.split("\n")[0])).toEqual([
      expect.stringContaining("Beginning flow run"),
      "Finished in state Completed()",
      "Task run failed with exception: NonRetryableError: boom",
      "Finished in state Failed('Task run encountered an exception NonRetryableError: boom')",
      "Finished in state Failed('boom')",
    ]);
    const cursors = live.map((l) => l.cursor);
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(new Set(cursors).size).toBe(cursors.length);
    feed.ws.close(1000);
  });

  it("feeds every watcher of a run", async () => {
    const run = await createRun("sum", { parameters: { n: 2 } });
    const [a, b] = [await open(run.id), await open(run.id)];
    await drive(run.id);
    await Promise.all([a.next(isRunState("COMPLETED")), b.next(isRunState("COMPLETED"))]);
    expect(a.journal()).toEqual(b.journal());
    a.ws.close(1000);
    b.ws.close(1000);
  });

  it("a client closing without a code is answered, not an error", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    await open(run.id);
    // The object's close handler answers a close the client sent without a code (1005), which
    // is reserved and cannot be sent back as is.
    await runInDurableObject(stubOf(run.id), (instance) => {
      const [, server] = Object.values(new WebSocketPair());
      server?.accept();
      expect(() => instance.webSocketClose(server as WebSocket, 1005)).not.toThrow();
      expect(() => instance.webSocketClose(server as WebSocket, 1006)).not.toThrow();
    });
  });

  it("answers 400 without an upgrade and 404 for an unknown run", async () => {
    const run = await createRun("sum", { parameters: { n: 1 } });
    await expectError(api(`/api/runs/${run.id}/live`), 400, "bad_request");
    await expectError(
      api(`/api/runs/${UNKNOWN_RUN}/live`, { headers: { Upgrade: "websocket" } }),
      404,
      "not_found",
    );
    await expectError(
      api("/api/runs/x/live", { headers: { Upgrade: "websocket" } }),
      400,
      "bad_request",
      "id",
    );
  });
});
