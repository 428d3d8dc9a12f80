// Runs executed outside the Worker (protocol/remote_run.ts): the run's object keeps the journal
// and logs a remote process appends under its lease, fences stale and expired leases, never
// executes the run itself, and the run shows in the index, the run routes and its logs like
// any run. The flow below is not registered in the Worker: a remote run's code is elsewhere.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LeaseState, RemoteRunStarted, RunLease } from "../../protocol/remote_run.ts";
import {
  Completed,
  encode,
  type JournalEntry,
  type LogRecord,
  Running,
  runCreation,
} from "../../runtime/host.ts";
import { flow, task } from "../../runtime/mod.ts";
import { storedState } from "./direct.ts";
import {
  alarmOf,
  api,
  expectError,
  fireAlarm,
  getRun,
  json,
  post,
  stubOf,
  UNKNOWN_RUN,
  useFakeTime,
} from "./helpers.ts";

const clock = useFakeTime();

/** A flow this Worker does not know: its runs can only be remote. */
const addOne = task({ name: "add" }, async (n: number) => n + 1);
const elsewhere = flow(
  { name: "remote-elsewhere", tags: ["remote"] },
  async function* (params: { n: number }) {
    return yield* addOne(params.n);
  },
);

function put(path: string, body: unknown): Promise<Response> {
  return api(path, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function creation(runId = crypto.randomUUID(), params: unknown = { n: 2 }) {
  return { runId, ...runCreation(elsewhere, runId, { params, tags: ["t1"] }, Date.now()) };
}

async function start(holder = "laptop-1", ttlMs?: number) {
  const made = creation();
  const log: LogRecord = {
    runId: made.runId,
    source: "remote.test",
    level: "INFO",
    message: "hello from afar",
    timestamp: Date.now(),
  };
  const res = await post("/api/remote-runs", {
    runId: made.runId,
    flowName: elsewhere.flowName,
    holder,
    ...(ttlMs === undefined ? {} : { ttlMs }),
    entries: made.entries,
    logs: [log],
  });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return { ...made, started: JSON.parse(text) as RemoteRunStarted };
}

/** A task step that ran and completed with `value`. */
function step(stepId: string, value: unknown): JournalEntry[] {
  const at = Date.now();
  return [
    {
      type: "step.started",
      at,
      stepId,
      kind: "task",
      name: "add",
      runName: `add-${stepId}`,
      attempt: 1,
      state: Running(at),
    },
    { type: "step.completed", at, stepId, state: Completed(at), value: encode(value) },
  ];
}

function append(runId: string, epoch: number, entries: JournalEntry[], logs?: LogRecord[]) {
  return post(`/api/runs/${runId}/journal`, { epoch, entries, ...(logs ? { logs } : {}) });
}

async function appended(
  runId: string,
  epoch: number,
  entries: JournalEntry[],
  logs?: LogRecord[],
): Promise<LeaseState> {
  const res = await append(runId, epoch, entries, logs);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as LeaseState;
}

async function journalLength(runId: string): Promise<number> {
  const page = await json<{ entries: unknown[] }>(api(`/api/runs/${runId}/journal`));
  return page.entries.length;
}

interface Page {
  runs: { id: string; flowName: string; state: { type: string; name: string }; tags: string[] }[];
}

describe("a remote run", () => {
  it("starts, takes appends, and shows in the index, its detail and its logs", async () => {
    const { runId, started, entries } = await start();
    expect(started.created).toBe(true);
    expect(started.lease).toMatchObject({ runId, holder: "laptop-1", epoch: 1 });
    expect(started.lease.expiresAt).toBe(Date.now() + 30_000);

    let run = await getRun(runId);
    expect(run).toMatchObject({
      id: runId,
      flowName: "remote-elsewhere",
      state: { type: "PENDING" },
    });
    expect(run.tags).toEqual(["remote", "t1"]);
    let page = await json<Page>(api("/api/runs?flow=remote-elsewhere&limit=200"));
    expect(page.runs.find((r) => r.id === runId)?.state.type).toBe("PENDING");

    const at = Date.now();
    const s1 = await appended(runId, 1, [
      { type: "run.state", at, state: Running(at) },
      ...step("0", 1),
    ]);
    expect(s1).toMatchObject({ cancelRequested: false, length: entries.length + 3 });
    const line: LogRecord = {
      runId,
      stepId: "1",
      source: "Task run 'add-1'",
      level: "WARNING",
      message: "a task's own line",
      timestamp: at,
    };
    await appended(runId, 1, step("1", 3), [line]);
    page = await json<Page>(api("/api/runs?flow=remote-elsewhere&state=RUNNING&limit=200"));
    expect(page.runs.map((r) => r.id)).toContain(runId);

    const end = Date.now();
    const s3 = await appended(runId, 1, [
      { type: "run.finished", at: end, value: 3 },
      { type: "run.state", at: end, state: Completed(end) },
    ]);
    expect(s3.length).toBe(entries.length + 7);

    run = await getRun(runId);
    expect(run.state.type).toBe("COMPLETED");
    expect(run.result).toBe(3);
    expect(run.taskRuns.map((t) => [t.runName, t.state.type])).toEqual([
      ["add-0", "COMPLETED"],
      ["add-1", "COMPLETED"],
    ]);
    page = await json<Page>(api("/api/runs?flow=remote-elsewhere&state=COMPLETED&limit=200"));
    expect(page.runs.map((r) => r.id)).toContain(runId);
    const graph = await api(`/api/runs/${runId}/graph`);
    expect(graph.status).toBe(200);

    const logs = await json<{ logs: { message: string; level: string }[] }>(
      api(`/api/runs/${runId}/logs`),
    );
    const messages = logs.logs.map((l) => l.message);
    expect(messages[0]).toContain("Created flow run");
    expect(messages).toContain("hello from afar");
    expect(messages).toContain("a task's own line");
    expect(messages.some((m) => m.includes("Finished in state Completed"))).toBe(true);
    expect(await journalLength(runId)).toBe(entries.length + 7);
  });

  it("is idempotent by runId for its holder, and refuses another while the lease is live", async () => {
    const made = await start("a");
    const body = {
      runId: made.runId,
      flowName: elsewhere.flowName,
      holder: "a",
      entries: made.entries,
    };
    const again = await post("/api/remote-runs", body);
    expect(again.status).toBe(200);
    expect(await json<RemoteRunStarted>(again)).toMatchObject({
      created: false,
      lease: { epoch: 1, holder: "a" },
    });
    await expectError(post("/api/remote-runs", { ...body, holder: "b" }), 409, "lease_held");
    await expectError(post(`/api/runs/${made.runId}/lease`, { holder: "b" }), 409, "lease_held");
    expect(await journalLength(made.runId)).toBe(made.entries.length);
  });

  it("refuses a stale epoch (409 lease_lost) and stores nothing from it", async () => {
    const { runId } = await start();
    const before = await storedState(runId);
    const error = await expectError(append(runId, 2, step("0", 1)), 409, "lease_lost");
    expect(error.message).toContain("stale");
    await expectError(post(`/api/runs/${runId}/lease/renew`, { epoch: 7 }), 409, "lease_lost");
    expect(await storedState(runId)).toEqual(before);
  });

  it("an expired lease is taken over at epoch 2, and the old holder's writes are refused", async () => {
    const { runId, entries } = await start("old", 5_000);
    await appended(runId, 1, step("0", 1));
    clock.advance(4_000);
    // A renewal keeps it alive for another ttl.
    const renewed = await json<LeaseState>(post(`/api/runs/${runId}/lease/renew`, { epoch: 1 }));
    expect(renewed.lease.expiresAt).toBe(Date.now() + 5_000);
    await expectError(post(`/api/runs/${runId}/lease`, { holder: "new" }), 409, "lease_held");

    clock.advance(5_001);
    // Expired: even its holder's writes are refused, and nothing is stored.
    await expectError(append(runId, 1, step("1", 2)), 409, "lease_lost");
    const claimed = await post(`/api/runs/${runId}/lease`, { holder: "new", ttlMs: 60_000 });
    expect(claimed.status).toBe(200);
    const lease = await json<RunLease>(claimed);
    expect(lease).toMatchObject({ runId, holder: "new", epoch: 2 });
    expect(lease.expiresAt).toBe(Date.now() + 60_000);

    await expectError(append(runId, 1, step("1", 2)), 409, "lease_lost");
    await expectError(post(`/api/runs/${runId}/lease/renew`, { epoch: 1 }), 409, "lease_lost");
    // Releasing a lost lease is harmless.
    expect(await json(post(`/api/runs/${runId}/lease/release`, { epoch: 1 }))).toEqual({
      released: false,
    });
    const state = await appended(runId, 2, step("1", 2));
    expect(state.length).toBe(entries.length + 4);
    // Released: free for the next claim at once.
    expect(await json(post(`/api/runs/${runId}/lease/release`, { epoch: 2 }))).toEqual({
      released: true,
    });
    await expectError(append(runId, 2, step("2", 3)), 409, "lease_lost");
    const third = await json<RunLease>(post(`/api/runs/${runId}/lease`, { holder: "third" }));
    expect(third.epoch).toBe(3);
  });

  it("a cancel through the API is journaled and answered to the next renewal", async () => {
    const { runId } = await start();
    const at = Date.now();
    await appended(runId, 1, [{ type: "run.state", at, state: Running(at) }]);
    const renewed = await json<LeaseState>(post(`/api/runs/${runId}/lease/renew`, { epoch: 1 }));
    expect(renewed.cancelRequested).toBe(false);

    const cancelled = await post(`/api/runs/${runId}/cancel`, { reason: "stop it" });
    expect(cancelled.status).toBe(200);
    expect((await getRun(runId)).state.type).toBe("CANCELLING");
    const page = await json<Page>(api("/api/runs?flow=remote-elsewhere&state=CANCELLING"));
    expect(page.runs.map((r) => r.id)).toContain(runId);

    const next = await json<LeaseState>(post(`/api/runs/${runId}/lease/renew`, { epoch: 1 }));
    expect(next.cancelRequested).toBe(true);
    // The process ends the run Cancelled; then nothing is left to cancel.
    const end = Date.now();
    const done = await appended(runId, 1, [
      { type: "run.finished", at: end, error: { name: "CancelledError", message: "stop it" } },
      {
        type: "run.state",
        at: end,
        state: { type: "CANCELLED", name: "Cancelled", timestamp: end },
      },
    ]);
    expect(done.cancelRequested).toBe(false);
    expect((await getRun(runId)).state.type).toBe("CANCELLED");
    // Retry is the remote process's to do.
    const retry = await expectError(post(`/api/runs/${runId}/retry`), 409, "conflict");
    expect(retry.message).toContain("outside this Worker");
  });

  it("is never executed by its object: not by its alarm, not by a poke", async () => {
    const { runId } = await start();
    const before = await getRun(runId);
    expect(await alarmOf(runId)).toBeNull();
    await post(`/api/runs/${runId}/events/go`, { payload: 1 });
    clock.advance(3_600_000);
    // The sweep's poke does not wake it.
    expect(await stubOf(runId).poke()).toBe(false);
    // Whatever set the alarm (here the test, with the run due by its wake time), firing it
    // only delivers the outbox.
    await runInDurableObject(stubOf(runId), async (_o, state) => {
      state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'wake_at'");
      await state.storage.setAlarm(Date.now());
    });
    expect(await fireAlarm(runId)).toBe(true);
    const after = await getRun(runId);
    expect(after.state).toEqual(before.state);
    expect(after.steps).toEqual([]);
    const logs = await json<{ logs: { message: string }[] }>(api(`/api/runs/${runId}/logs`));
    expect(logs.logs.some((l) => l.message.includes("no flow named"))).toBe(false);
    expect(logs.logs.some((l) => l.message.includes("Beginning flow run"))).toBe(false);
    expect(await alarmOf(runId)).toBeNull();
  });

  it("refuses malformed entries with a 4xx naming the field, and stores nothing", async () => {
    const { runId, entries } = await start();
    const before = await storedState(runId);
    const at = Date.now();
    const good = step("0", 1);
    const cases: [unknown[], number, string][] = [
      [
        [...good, { type: "run.state", at, state: { type: "DONE", name: "x", timestamp: at } }],
        400,
        "entries.2.state.type",
      ],
      [[{ type: "step.exploded", at }], 400, "entries.0.type"],
      [[{ type: "run.state", at: "now", state: Running(at) }], 400, "entries.0.at"],
      [[{ type: "run.cancel", at, reason: "r", extra: 1 }], 400, "entries.0"],
      [[{ ...good[0], name: "bad\u202Ename" }], 422, "entries.0.name"],
      [[{ ...good[0], tags: ["ok", "\u0007"] }], 422, "entries.0.tags.1"],
      [[entries[0]], 422, "entries.0.type"],
      [[{ type: "event.received", at, eventId: "e", name: "go" }], 400, "entries.0.payload"],
      [
        [{ ...good[1], value: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) }],
        422,
        "entries.0.value",
      ],
    ];
    for (const [bad, status, field] of cases) {
      const res = append(runId, 1, bad as JournalEntry[]);
      await expectError(res, status, status === 400 ? "bad_request" : "invalid_value", field);
    }
    const line = { runId, source: "s", level: "LOUD", message: "m", timestamp: at };
    await expectError(
      append(runId, 1, good, [line as LogRecord]),
      400,
      "bad_request",
      "logs.0.level",
    );
    const other = { ...line, level: "INFO", runId: UNKNOWN_RUN };
    await expectError(
      append(runId, 1, good, [other as LogRecord]),
      422,
      "invalid_value",
      "logs.0.runId",
    );
    await expectError(
      post(`/api/runs/${runId}/journal`, { epoch: 0, entries: good }),
      400,
      "bad_request",
      "epoch",
    );
    expect(await storedState(runId)).toEqual(before);
  });

  it("refuses a start whose creation entries do not fit, and keeps no run", async () => {
    const made = creation();
    const body = {
      runId: made.runId,
      flowName: elsewhere.flowName,
      holder: "h",
      entries: made.entries,
    };
    const other = creation();
    const cases: [unknown, number, string][] = [
      [{ ...body, entries: made.entries.slice(1) }, 422, "entries.0.type"],
      [{ ...body, entries: other.entries }, 422, "entries.0.run.id"],
      [{ ...body, flowName: "another" }, 422, "entries.0.run.flowName"],
      [{ ...body, entries: [] }, 400, "entries"],
      [{ ...body, runId: "not-a-uuid" }, 400, "runId"],
      [{ ...body, holder: "" }, 400, "holder"],
      [{ ...body, ttlMs: 10 }, 400, "ttlMs"],
    ];
    for (const [bad, status, field] of cases) {
      await expectError(
        post("/api/remote-runs", bad),
        status,
        status === 400 ? "bad_request" : "invalid_value",
        field,
      );
    }
    await expectError(api(`/api/runs/${made.runId}`), 404, "not_found");
    await expectError(api(`/api/runs/${made.runId}/journal`), 404, "not_found");
  });

  it("lease routes answer 404 for an unknown run and 409 for a run executed in the Worker", async () => {
    for (const [path, body] of [
      ["lease", { holder: "h" }],
      ["lease/renew", { epoch: 1 }],
      ["lease/release", { epoch: 1 }],
      ["journal", { epoch: 1, entries: [] }],
    ] as const) {
      await expectError(post(`/api/runs/${UNKNOWN_RUN}/${path}`, body), 404, "not_found");
    }
    const local = await json<{ id: string }>(post("/api/flows/sum/runs", { parameters: { n: 1 } }));
    const before = await storedState(local.id);
    await expectError(post(`/api/runs/${local.id}/lease`, { holder: "h" }), 409, "conflict");
    await expectError(append(local.id, 1, step("9", 1)), 409, "conflict");
    expect(await storedState(local.id)).toEqual(before);
    // A remote start cannot take over a run executed here.
    const made = creation(local.id);
    await expectError(
      post("/api/remote-runs", {
        runId: local.id,
        flowName: elsewhere.flowName,
        holder: "h",
        entries: made.entries,
      }),
      409,
      "conflict",
    );
    // Its journal is readable all the same.
    expect(await journalLength(local.id)).toBeGreaterThan(0);
  });
});

describe("the cache and result ports", () => {
  it("round-trip a cache entry, with keys that hold slashes and any text", async () => {
    const key = `fetch-fact/${crypto.randomUUID()}/café 😀`;
    const path = `/api/cache/${encodeURIComponent(key)}`;
    expect(await json(api(path))).toEqual({ entry: null });
    const entry = { value: { rows: [1, 2] }, createdAt: Date.now(), expiresAt: Date.now() + 1000 };
    expect((await put(path, entry)).status).toBe(200);
    expect(await json(api(path))).toEqual({ entry });
    expect((await api(path, { method: "DELETE" })).status).toBe(200);
    expect(await json(api(path))).toEqual({ entry: null });
    await expectError(put(path, { createdAt: 1 }), 400, "bad_request", "value");
    await expectError(api(`/api/cache/${"k".repeat(513)}`), 400, "bad_request", "key");
    await expectError(api(`/api/cache/a%07b`), 422, "invalid_value", "key");
  });

  it("round-trip a result", async () => {
    const key = `${crypto.randomUUID()}/result`;
    const path = `/api/results/${encodeURIComponent(key)}`;
    expect(await json(api(path))).toEqual({ value: null });
    expect((await put(path, { value: { big: "x".repeat(1000) } })).status).toBe(200);
    expect(await json(api(path))).toEqual({ value: { big: "x".repeat(1000) } });
    await expectError(put(path, {}), 400, "bad_request", "value");
    await expectError(put(path, { value: 1, extra: 2 }), 400, "bad_request");
    await expectError(
      api(`/api/results/${encodeURIComponent("😀".repeat(300))}`),
      422,
      "invalid_value",
      "key",
    );
  });
});

describe("a remote run's journal in an odd order", () => {
  it("still reads: detail, graph, logs and the index answer, never a 500", async () => {
    const { runId } = await start();
    const at = Date.now();
    const odd: JournalEntry[][] = [
      [{ type: "step.completed", at, stepId: "ghost", state: Completed(at), value: 1 }],
      [
        {
          type: "step.failed",
          at,
          stepId: "ghost-2",
          state: { type: "FAILED", name: "Failed", timestamp: at },
          error: { name: "Error", message: "x" },
          attempt: 3,
          retryAt: at + 1000,
        },
      ],
      [...step("0", 1), ...step("0", 2)],
      [
        {
          type: "step.started",
          at,
          stepId: "sub",
          kind: "subflow",
          name: "child",
          runName: "child-0",
          attempt: 1,
          state: Running(at),
          childRunId: "not-a-run",
          inputs: ["nowhere"],
        },
        {
          type: "step.started",
          at,
          stepId: "g",
          kind: "group",
          name: "all",
          runName: "all-0",
          attempt: 0,
          state: Running(at),
        },
      ],
      [{ type: "run.finished", at, value: 1 }],
      [{ type: "run.finished", at, error: { name: "E", message: "m", cause: { value: 1 } } }],
      [{ type: "run.retry", at, attempt: 0 }],
      [{ type: "event.received", at, eventId: "e", name: "go", payload: { a: [1] } }],
      [{ type: "run.state", at, state: { type: "PAUSED", name: "Whatever", timestamp: at } }],
    ];
    for (const entries of odd) {
      await appended(runId, 1, entries);
      for (const path of ["", "/graph", "/logs", "/journal"]) {
        const res = await api(`/api/runs/${runId}${path}`);
        expect(res.status, `${path} after ${JSON.stringify(entries)}: ${await res.text()}`).toBe(
          200,
        );
      }
      expect((await api("/api/runs?flow=remote-elsewhere")).status).toBe(200);
    }
    // Cancel and events on such a run still answer.
    expect((await post(`/api/runs/${runId}/events/go`, { payload: 2 })).status).toBeLessThan(500);
    expect((await post(`/api/runs/${runId}/cancel`)).status).toBeLessThan(500);
  });
});

describe("a remote run's live feed", () => {
  it("broadcasts the entries and log lines a remote process appends", async () => {
    const { runId } = await start();
    const res = await api(`/api/runs/${runId}/live`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    if (ws === null) throw new Error("no WebSocket in the 101 response");
    const messages: { type: string; entries?: { type: string }[]; log?: { message: string } }[] =
      [];
    let wanted: (() => void) | undefined;
    const seen = new Promise<void>((resolve) => (wanted = resolve));
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as (typeof messages)[number];
      messages.push(message);
      if (message.log?.message === "live line") wanted?.();
    });
    ws.accept();
    const line: LogRecord = {
      runId,
      source: "remote.test",
      level: "INFO",
      message: "live line",
      timestamp: Date.now(),
    };
    await appended(runId, 1, step("0", 1), [line]);
    await seen;
    expect(messages[0]?.type).toBe("snapshot");
    const journaled = messages.flatMap((m) => (m.type === "journal" ? (m.entries ?? []) : []));
    expect(journaled.map((e) => e.type)).toEqual(["step.started", "step.completed"]);
    ws.close(1000);
  });
});
