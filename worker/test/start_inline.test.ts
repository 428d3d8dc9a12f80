// How runs start and how soon the index shows them. The other Worker tests start runs from
// their alarm (vitest.config.ts sets WEIR_START_RUNS=alarm) to drive them step by step; here
// the Worker's fetch handler gets the default environment, where a run that is due starts
// inside its create call. WEIR_START_WAIT_MS makes the answer deterministic: a long wait lets a
// short run finish before the answer, a zero wait answers while a held run is still running.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WeirEnv } from "../env.ts";
import { WATCHDOG_MS } from "../run_alarm.ts";
import {
  alarmOf,
  createRun,
  executionsOf,
  fireAlarm,
  json,
  ORIGIN,
  type Run,
  states,
  testEnv,
  useFakeTime,
} from "./helpers.ts";
import worker from "./test_app.ts";
import { testHooks } from "./test_flows.ts";

useFakeTime();

afterEach(() => {
  testHooks.hold = undefined;
});

async function call(env: WeirEnv, path: string, body?: unknown): Promise<Response> {
  const ctx = createExecutionContext();
  const handler = worker.fetch as unknown as (
    r: Request,
    e: WeirEnv,
    c: ExecutionContext,
  ) => Promise<Response>;
  const init: RequestInit =
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        };
  const res = await handler(new Request(`${ORIGIN}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The default environment (inline starts), waiting `waitMs` for a run before answering. */
function inline(waitMs: number): WeirEnv {
  return { ...testEnv, WEIR_START_RUNS: "inline", WEIR_START_WAIT_MS: String(waitMs) };
}

async function createInline(env: WeirEnv, flow: string, body: unknown): Promise<Run> {
  const res = await call(env, `/api/flows/${flow}/runs`, body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as Run;
}

interface Listed {
  id: string;
  state: { type: string; name: string };
}

async function listed(id: string): Promise<Listed | undefined> {
  const { runs } = await json<{ runs: Listed[] }>(call(testEnv, "/api/runs?limit=200"));
  return runs.find((r) => r.id === id);
}

describe("read-your-writes", () => {
  it("lists a run as soon as its create call has answered, before its alarm fires", async () => {
    const run = await createRun("sum", { parameters: { n: 2 } });
    expect((await listed(run.id))?.state.type).toBe("PENDING");
  });

  it("lists a run scheduled ten minutes ahead at once, as Scheduled", async () => {
    const run = await createRun("sum", {
      parameters: { n: 2 },
      scheduledAt: Date.now() + 600_000,
    });
    expect((await listed(run.id))?.state).toEqual({ type: "SCHEDULED", name: "Scheduled" });
  });
});

describe("inline start", () => {
  it("runs a due run inside its create call: it answers Completed, listed Completed, no alarm left", async () => {
    const run = await createInline(inline(60_000), "sum", { parameters: { n: 3 } });
    expect(run.state.type).toBe("COMPLETED");
    expect(run.result).toBe(6);
    expect((await listed(run.id))?.state.type).toBe("COMPLETED");
    expect(await alarmOf(run.id)).toBeNull();
  });

  it("runs a child due now inside its parent's call, so the parent never suspends", async () => {
    const run = await createInline(inline(60_000), "parent", { parameters: { n: 2 } });
    expect(run.state.type).toBe("COMPLETED");
    expect(states(run.stateHistory)).not.toContain("PAUSED/Suspended");
    const child = run.subflowRuns[0];
    expect(child?.state?.type).toBe("COMPLETED");
    expect((await listed(child?.childRunId ?? ""))?.state.type).toBe("COMPLETED");
  });

  it("answers Running for a run that outlasts the wait; its row follows it while it runs and when it ends", async () => {
    let release = () => {};
    testHooks.hold = new Promise((resolve) => {
      release = resolve;
    });
    const run = await createInline(inline(0), "held", { parameters: { n: 7 } });
    expect(run.state.type).toBe("RUNNING");
    await vi.waitFor(async () => expect((await listed(run.id))?.state.type).toBe("RUNNING"));

    // The watchdog fires while the run executes: it only pushes itself on (the heartbeat);
    // nothing runs again.
    const watchdog = await alarmOf(run.id);
    expect(watchdog).not.toBeNull();
    expect(await fireAlarm(run.id)).toBe(true);
    const pushed = await alarmOf(run.id);
    expect(pushed as number).toBeGreaterThanOrEqual(Date.now() + WATCHDOG_MS);
    expect(await executionsOf(run.id)).toEqual({ "hold-0": 1 });

    release();
    await vi.waitFor(async () => expect((await listed(run.id))?.state.type).toBe("COMPLETED"));
    expect(await executionsOf(run.id)).toEqual({ "hold-0": 1 });
    await vi.waitFor(async () => expect(await alarmOf(run.id)).toBeNull());
  });
});
