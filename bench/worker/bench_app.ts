/**
 * The Worker benchmark's Worker (issue 3): one Worker, one wrangler process, three ways to run
 * the same N trivial steps, side by side:
 *
 * - **Weir**: a flow of N tasks, built with `createWeirWorker` exactly as a user's app is. The
 *   run is created through its Durable Object's `create` RPC (what `POST /api/flows/:name/runs`
 *   calls) and executed by the object's alarm, as every run is.
 * - **Cloudflare Workflows**: a `WorkflowEntrypoint` doing the same N steps with `step.do`,
 *   through the `[[workflows]]` binding that wrangler runs locally.
 * - **The floor**: a bare SQLite Durable Object that awaits the same trivial function N times
 *   and writes one SQLite row per step.
 *
 * Each `/bench/...` route runs one run to its end and answers only then, so the driver
 * (`bench/worker/run.ts`) times it from outside: Date.now() inside workerd advances only across
 * I/O, so wall time is taken by the driver around the request.
 *
 * For the analysis, `/bench/engine/run` runs the same flow with Weir's engine alone in the
 * Worker's isolate (in-memory journal, no Durable Object), and the floor takes `alarm=1` (run
 * the steps from the object's alarm, as Weir does), `storage=weir` (store each step through
 * Weir's SqlJournal, as a run object does, without the engine) and `d1=1` (then write one D1
 * row, as Weir's outbox does for the run index).
 *
 * Routes: `GET /bench/noop`, `POST /bench/{weir,wf,floor,engine}/run?shape=seq|par&n=N`, the
 * concurrency-limit benchmark's `/bench/limits/...` (see `limits_app.ts`); everything else is
 * Weir's API (`/api/...`).
 *
 * @module
 */

import {
  DurableObject,
  WorkflowEntrypoint,
  type WorkflowEvent,
  type WorkflowStep,
} from "cloudflare:workers";
import { all, Completed, encode, flow, Running, StepKind, task } from "../../runtime/host.ts";
import { createWeirWorker } from "../../worker/app.ts";
import type { WeirEnv } from "../../worker/env.ts";
import { limitObject } from "../../worker/limits/rpc.ts";
import type { CreateRunRequest } from "../../worker/rpc.ts";
import { migrate } from "../../worker/storage/schema.ts";
import { SqlJournal } from "../../worker/storage/sql_journal.ts";
import { type BenchFloor, type BenchRun, limitFlows, limitsRoute } from "./limits_app.ts";
import { limitShapedSql, timeRelays } from "./limits_floor.ts";
import { remoteSeq } from "./remote_flow.ts";

/** What the bench measures: N steps in sequence, or N steps in one parallel group. */
type Shape = "seq" | "par";

interface BenchParams {
  readonly shape: Shape;
  readonly n: number;
}

interface BenchEnv extends WeirEnv {
  readonly FLOOR: DurableObjectNamespace<FloorObject>;
  readonly WORKFLOW: Workflow<BenchParams>;
}

/** The largest N a route takes (the scale test, `bench/worker/scale.ts`, runs 25,000). */
const MAX_N = 100_000;

/** A run not finished by then is reported as such (the driver counts it as a failure). */
const DEADLINE_MS = 100_000;

/** The trivial step every system runs: it returns its argument. */
async function trivial(i: number): Promise<number> {
  return i;
}

// ——— Weir ———

const noop = task({ name: "noop" }, trivial);

/** N sequential tasks. */
export const benchSeq = flow({ name: "bench-seq" }, async function* ({ n }: { n: number }) {
  let last = -1;
  for (let i = 0; i < n; i++) last = yield* noop(i);
  return last;
});

/** N tasks in one parallel group. */
export const benchPar = flow({ name: "bench-par" }, async function* ({ n }: { n: number }) {
  const results = yield* all(Array.from({ length: n }, (_, i) => noop(i)));
  return results.length;
});

const weir = createWeirWorker({ flows: [benchSeq, benchPar, ...limitFlows, remoteSeq] });

/** What the bench asks a Weir run object: create the run, answer when it has finished. */
interface BenchRunRpc {
  runToEnd(request: CreateRunRequest): Promise<{ state: string }>;
}

/**
 * Weir's run object plus one bench-only RPC, `runToEnd`: it creates the run exactly as the API
 * does and answers once the run's journal holds its final state, checking the journal's last
 * two rows every millisecond (as the Workflows side polls `status()` every millisecond) and
 * whenever an alarm invocation ends. A check reads two rows, never the whole journal, and can
 * only run while the executor awaits, so it does not slow the run down.
 */
export class FlowRun extends weir.FlowRun implements BenchRunRpc {
  protected readonly registry = weir.registry;
  #waiters = new Set<() => void>();

  override async alarm(): Promise<void> {
    try {
      await super.alarm();
    } finally {
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const wake of waiters) wake();
    }
  }

  async runToEnd(request: CreateRunRequest): Promise<{ state: string }> {
    await this.create(request);
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const state = this.#finalState();
      if (state !== undefined) return { state };
      if (Date.now() > deadline) return { state: "NOT_FINISHED_IN_TIME" };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 1);
        const waiters = this.#waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  /** The final state's type once the journal ends with `run.finished` + `run.state`. */
  #finalState(): string | undefined {
    const rows = this.ctx.storage.sql
      .exec<{ entry: string }>("SELECT entry FROM journal ORDER BY seq DESC LIMIT 2")
      .toArray()
      .map((row) => JSON.parse(row.entry) as { type: string; state?: { type: string } });
    if (!rows.some((e) => e.type === "run.finished")) return undefined;
    return rows.find((e) => e.type === "run.state")?.state?.type ?? "UNKNOWN";
  }
}

/** The concurrency limit object, as every Weir app exports it. */
export const ConcurrencyLimit = weir.ConcurrencyLimit;

// ——— Cloudflare Workflows ———

/** The same steps as Weir's flows, one `step.do` each. */
export class BenchWorkflow extends WorkflowEntrypoint<BenchEnv, BenchParams> {
  override async run(event: Readonly<WorkflowEvent<BenchParams>>, step: WorkflowStep) {
    const { shape, n } = event.payload;
    if (shape === "par") {
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => step.do(`s${i}`, () => trivial(i))),
      );
      return results.length;
    }
    let last = -1;
    for (let i = 0; i < n; i++) last = await step.do(`s${i}`, () => trivial(i));
    return last;
  }
}

// ——— The floor ———

/** Variants of the floor, to see what the building blocks of an alarm-driven run cost. */
interface FloorOptions {
  /** Run the steps from the object's alarm (set for now), as Weir does, not in the RPC. */
  readonly alarm?: boolean;
  /** Then write one row to D1, as Weir's outbox does for the run index. */
  readonly d1?: boolean;
  /**
   * Store each step as Weir's run object does, through Weir's own storage classes: a
   * `step.started` and a `step.completed` journal entry (SqlJournal, one statement), without
   * the engine. The task's "Finished" line is rendered from the journal when logs are read,
   * so a run object stores no log row for it either.
   */
  readonly weirStorage?: boolean;
}

/** A bare SQLite Durable Object: the trivial step, then one SQLite write, per step. */
export class FloorObject extends DurableObject<BenchEnv> {
  #pending: { shape: Shape; n: number; resolve: (last: number) => void } | undefined;
  #weirStorage: SqlJournal | undefined;
  /** The `steps` table exists (write() creates it once per instance). */
  #hasSteps = false;

  async run(shape: Shape, n: number, options: FloorOptions = {}): Promise<number> {
    this.ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS steps (i INTEGER PRIMARY KEY, value TEXT NOT NULL)",
    );
    if (options.weirStorage) {
      migrate(this.ctx.storage);
      this.#weirStorage = new SqlJournal(this.ctx.storage);
    }
    let last: number;
    if (options.alarm) {
      last = await new Promise<number>((resolve) => {
        this.#pending = { shape, n, resolve };
        void this.ctx.storage.setAlarm(Date.now());
      });
    } else {
      last = await this.#steps(shape, n);
    }
    if (options.d1) {
      await this.env.DB.prepare(
        "INSERT INTO cache_entries (key, value, created_at) VALUES (?, ?, ?)",
      )
        .bind(`bench-floor/${crypto.randomUUID()}`, String(last), Date.now())
        .run();
    }
    return last;
  }

  /** One row written (the concurrency-limit bench's baseline of one limit call). */
  async write(): Promise<void> {
    const sql = this.ctx.storage.sql;
    if (!this.#hasSteps)
      sql.exec("CREATE TABLE IF NOT EXISTS steps (i INTEGER PRIMARY KEY, value TEXT NOT NULL)");
    this.#hasSteps = true;
    sql.exec("INSERT INTO steps (value) VALUES ('1')");
  }

  /** Nothing: a bare RPC. */
  async ping(): Promise<void> {}

  /** What a limit object writes per call, without its book (see limitShapedSql). */
  async limitSql(call: "acquire" | "release", leaseId: string): Promise<void> {
    limitShapedSql(this.ctx.storage, call, leaseId);
  }

  /**
   * One row written here, then on along `path` (object names); answers the time the last
   * object was reached: a hand-off's floor, holder → limit → waiter.
   */
  async relay(path: string[]): Promise<number> {
    await this.write();
    const [next, ...rest] = path;
    if (next === undefined) return Date.now();
    return floorObject(this.env, next).relay(rest);
  }

  /** `n` relays along `path` and `n` round trips (one row written) to `path[0]`, timed here. */
  async relayFrom(path: string[], n: number): Promise<{ relayMs: number[]; rttMs: number[] }> {
    const [first, ...rest] = path;
    if (first === undefined) throw new RangeError("relayFrom needs a path");
    return timeRelays(floorObject(this.env, first), rest, n);
  }

  override async alarm(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) pending.resolve(await this.#steps(pending.shape, pending.n));
  }

  async #steps(shape: Shape, n: number): Promise<number> {
    const sql = this.ctx.storage.sql;
    const weirStorage = this.#weirStorage;
    const stepOnce = async (i: number) => {
      if (weirStorage !== undefined) return weirStep(weirStorage, i);
      const value = await trivial(i);
      sql.exec("INSERT INTO steps (i, value) VALUES (?, ?)", i, JSON.stringify(value));
      return value;
    };
    if (shape === "par") {
      const results = await Promise.all(Array.from({ length: n }, (_, i) => stepOnce(i)));
      return results.length;
    }
    let last = -1;
    for (let i = 0; i < n; i++) last = await stepOnce(i);
    return last;
  }
}

function floorObject(env: BenchEnv, name: string) {
  return env.FLOOR.get(env.FLOOR.idFromName(name));
}

/** One step stored the way Weir's run object stores a task step that logs nothing. */
async function weirStep(journal: SqlJournal, i: number): Promise<number> {
  const runId = "floor";
  const stepId = String(i);
  const at = Date.now();
  journal.append(runId, [
    {
      type: "step.started",
      at,
      stepId,
      kind: StepKind.TASK,
      name: "noop",
      runName: `noop-${i}`,
      attempt: 1,
      state: Running(at),
    },
  ]);
  const value = await trivial(i);
  journal.append(runId, [
    { type: "step.completed", at, stepId, state: Completed(at), value: encode(value) },
  ]);
  return value;
}

// ——— Routes ———

function benchParams(url: URL): BenchParams {
  const shape = url.searchParams.get("shape") === "par" ? "par" : "seq";
  const n = Number(url.searchParams.get("n") ?? "1");
  if (!Number.isInteger(n) || n < 0 || n > MAX_N) throw new RangeError(`n must be 0..${MAX_N}`);
  return { shape, n };
}

async function runWeir(env: BenchEnv, { shape, n }: BenchParams): Promise<unknown> {
  const runId = crypto.randomUUID();
  const stub = env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(runId)) as unknown as BenchRunRpc;
  const { state } = await stub.runToEnd({
    runId,
    flowName: shape === "par" ? benchPar.flowName : benchSeq.flowName,
    params: { n },
  });
  return { id: runId, state };
}

/** Weir's engine alone, in the Worker's isolate: in-memory journal, no Durable Object. */
async function runEngine(_env: BenchEnv, { shape, n }: BenchParams): Promise<unknown> {
  const flow = shape === "par" ? benchPar : benchSeq;
  const state = await flow.run({ n }, { console: false, returnState: true });
  return { state: state.type };
}

async function runWorkflow(env: BenchEnv, params: BenchParams, pollMs: number): Promise<unknown> {
  const instance = await env.WORKFLOW.create({ params });
  const deadline = Date.now() + DEADLINE_MS;
  let polls = 0;
  for (;;) {
    const { status, error } = await instance.status();
    polls++;
    if (status === "complete" || status === "errored" || status === "terminated") {
      return { id: instance.id, state: status, polls, ...(error ? { error } : {}) };
    }
    if (Date.now() > deadline) return { id: instance.id, state: `still ${status}`, polls };
    await scheduler.wait(pollMs);
  }
}

async function runFloor(
  env: BenchEnv,
  { shape, n }: BenchParams,
  options: FloorOptions,
): Promise<unknown> {
  const stub = env.FLOOR.get(env.FLOOR.idFromName(crypto.randomUUID()));
  const last = await stub.run(shape, n, options);
  return { state: "COMPLETED", last };
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (!path.startsWith("/bench/")) return weir.handler.fetch?.(request, env, ctx) as never;
    if (path === "/bench/noop") return new Response("ok");
    try {
      if (path.startsWith("/bench/limits/")) {
        const answer = await limitsRoute(url, {
          run: (runId) => env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(runId)) as unknown as BenchRun,
          limit: (name) => limitObject(env, name),
          floor: (name) => floorObject(env, name) as unknown as BenchFloor,
        });
        if (answer !== undefined) return answer;
      }
      const params = benchParams(url);
      if (path === "/bench/weir/run") return Response.json(await runWeir(env, params));
      if (path === "/bench/engine/run") return Response.json(await runEngine(env, params));
      if (path === "/bench/floor/run") {
        const options = {
          alarm: url.searchParams.get("alarm") === "1",
          d1: url.searchParams.get("d1") === "1",
          weirStorage: url.searchParams.get("storage") === "weir",
        };
        return Response.json(await runFloor(env, params, options));
      }
      if (path === "/bench/wf/run") {
        const pollMs = Number(url.searchParams.get("poll") ?? "1");
        return Response.json(await runWorkflow(env, params, pollMs));
      }
    } catch (error) {
      return Response.json({ error: String((error as Error)?.stack ?? error) }, { status: 500 });
    }
    return Response.json({ error: `no route ${path}` }, { status: 404 });
  },
} satisfies ExportedHandler<BenchEnv>;
