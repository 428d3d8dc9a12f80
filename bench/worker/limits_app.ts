/**
 * The concurrency-limit benchmark's flows and routes (issue 10), served by the bench Worker
 * (`bench_app.ts`) and driven by `bench/worker/limits.ts`:
 *
 * - `POST /bench/limits/handoff/queue?n=N`: takes the only slot of the tag limit `bench-handoff`
 *   for the bench itself, creates N runs of `bench-handoff` (one task tagged with it, which
 *   returns its start and end time) and answers once all N wait in line, with the bench's lease.
 *   `POST /bench/limits/handoff/release?lease=ID` lets go of that slot and answers once the line
 *   is empty (the driver measures workerd's CPU around it). The driver reads the tasks' times
 *   from the runs.
 * - `POST /bench/limits/floor?n=N`: the floor of a hand-off, in bare SQLite objects: N relays
 *   holder → limit → waiter (one row written at each), and N round trips to one object.
 * - `POST /bench/limits/pairs?target=limit|view|sql|floor|ping&k=K&n=N`: N acquire/release pairs
 *   through one limit object with K callers at once; two reads of the limit (`view`) per pair;
 *   or, as the baseline, the same number of calls to one bare object writing one row each
 *   (`floor`), running the SQL a limit object runs per call without its book (`sql`, see
 *   limits_floor.ts), or doing nothing (`ping`).
 * - `POST /bench/limits/run?flow=untagged|plain|limited|slot`: one 1-step run to its end, of a
 *   flow whose task carries no tag, a tag that is no limit, a tag that is a limit of 1,000, or
 *   whose runs take a slot of their flow's limit of 1,000.
 *
 * This file names no Workers type (the bench's Node driver imports it; the root tsconfig has
 * no Workers types): bench_app.ts hands it the objects' stubs through {@link LimitsDeps}.
 *
 * Times are taken with Date.now(), which inside workerd advances only across I/O: a stamp is
 * the time of the last I/O before it, which is what a hand-off is made of.
 *
 * @module
 */

import { flow, task } from "../../runtime/host.ts";
import type { SlotAnswer, SlotRequest } from "../../runtime/limits/port.ts";

/** The tag limit of 1 the hand-off runs queue for. */
const HANDOFF_LIMIT = "bench-handoff";
/** A tag that is an active limit of 1,000: nobody waits. */
const LIMITED_TAG = "bench-limited";
/** A tag that is no limit. */
const PLAIN_TAG = "bench-plain";
/** The limit the acquire/release pairs go through. */
const PAIRS_LIMIT = "bench-pairs";
/** Large enough that no run of the bench ever waits. */
const ROOMY = 1_000;

/**
 * A task's own start and end, as the hand-off measures them.
 *
 * @example
 * ```ts
 * const gap = (next: Stamp, previous: Stamp) => next.start - previous.end;
 * ```
 */
export interface Stamp {
  readonly start: number;
  readonly end: number;
}

const stamp = task(
  { name: "stamp", tags: [HANDOFF_LIMIT] },
  async (): Promise<Stamp> => ({ start: Date.now(), end: Date.now() }),
);

/** One task that takes the only slot of `bench-handoff`. */
const benchHandoff = flow({ name: "bench-handoff" }, async function* () {
  return yield* stamp();
});

async function one(): Promise<number> {
  return 1;
}

const limitedStep = task({ name: "noop-limited", tags: [LIMITED_TAG] }, one);
const plainStep = task({ name: "noop-plain", tags: [PLAIN_TAG] }, one);
const slotStep = task({ name: "noop-slot" }, one);

/** A 1-step flow whose task takes a slot of an active tag limit (never full). */
const benchTagLimited = flow({ name: "bench-tag-limited" }, async function* () {
  return yield* limitedStep();
});

/** The same flow whose task's tag is no limit. */
const benchTagPlain = flow({ name: "bench-tag-plain" }, async function* () {
  return yield* plainStep();
});

/** A 1-step flow whose runs each hold a slot of `flow:bench-flow-slot` (1,000 slots). */
const benchFlowSlot = flow(
  { name: "bench-flow-slot", concurrency: { limit: ROOMY } },
  async function* () {
    return yield* slotStep();
  },
);

/**
 * The bench's flows of this file, for `createWeirWorker`.
 *
 * @example
 * ```ts
 * const weir = createWeirWorker({ flows: [benchSeq, ...limitFlows] });
 * ```
 */
export const limitFlows = [benchHandoff, benchTagLimited, benchTagPlain, benchFlowSlot];

/** The part of worker/rpc.ts's CreateRunRequest the bench sends. */
interface RunRequest {
  readonly runId: string;
  readonly flowName: string;
  readonly params: unknown;
}

/**
 * What the routes ask of a run object (bench_app's FlowRun).
 *
 * @example
 * ```ts
 * const run = env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(runId)) as unknown as BenchRun;
 * ```
 */
export interface BenchRun {
  create(request: RunRequest): Promise<unknown>;
  runToEnd(request: RunRequest): Promise<{ state: string }>;
}

/**
 * What the routes ask of a limit object (worker/limits/rpc.ts's LimitObjectRpc).
 *
 * @example
 * ```ts
 * const limit: BenchLimit = limitObject(env, "bench-pairs");
 * ```
 */
export interface BenchLimit {
  acquire(request: SlotRequest): Promise<SlotAnswer>;
  release(leaseId: string): Promise<{ released: boolean }>;
  configure(change: { name: string; create: boolean; limit: number }): Promise<unknown>;
  view(): Promise<{ holders: readonly unknown[]; waiters: readonly unknown[] } | undefined>;
}

/**
 * What the routes ask of a bare SQLite object (bench_app's FloorObject).
 *
 * @example
 * ```ts
 * await (floorObject(env, "bench-pairs-floor") as unknown as BenchFloor).write();
 * ```
 */
export interface BenchFloor {
  /** One row written. */
  write(): Promise<void>;
  /** Nothing. */
  ping(): Promise<void>;
  /** limits_floor.ts's limitShapedSql. */
  limitSql(call: "acquire" | "release", leaseId: string): Promise<void>;
  /** From this object: `n` relays along `path` and `n` round trips to its first object. */
  relayFrom(path: string[], n: number): Promise<{ relayMs: number[]; rttMs: number[] }>;
}

/**
 * How the routes reach the bench Worker's objects.
 *
 * @example
 * ```ts
 * const deps: LimitsDeps = { run, limit: (name) => limitObject(env, name), floor };
 * ```
 */
export interface LimitsDeps {
  readonly run: (runId: string) => BenchRun;
  readonly limit: (name: string) => BenchLimit;
  readonly floor: (name: string) => BenchFloor;
}

const FLOWS: Record<string, { flowName: string; params: unknown }> = {
  untagged: { flowName: "bench-seq", params: { n: 1 } },
  plain: { flowName: benchTagPlain.flowName, params: {} },
  limited: { flowName: benchTagLimited.flowName, params: {} },
  slot: { flowName: benchFlowSlot.flowName, params: {} },
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers a `/bench/limits/...` request, or `undefined` for any other path.
 *
 * @example
 * ```ts
 * const answer = await limitsRoute(url, { run, limit, floor });
 * ```
 */
export async function limitsRoute(url: URL, deps: LimitsDeps): Promise<Response | undefined> {
  const n = Number(url.searchParams.get("n") ?? "100");
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new RangeError("n must be 1..100000");
  switch (url.pathname) {
    case "/bench/limits/handoff/queue":
      return Response.json(await queue(deps, n));
    case "/bench/limits/handoff/release":
      return Response.json(await release(deps, url.searchParams.get("lease") ?? ""));
    case "/bench/limits/floor":
      return Response.json(
        await deps
          .floor("bench-relay-holder")
          .relayFrom(["bench-relay-limit", "bench-relay-waiter"], n),
      );
    case "/bench/limits/pairs": {
      const k = Number(url.searchParams.get("k") ?? "1");
      return Response.json(await pairs(deps, url.searchParams.get("target") ?? "", k, n));
    }
    case "/bench/limits/run": {
      const which = FLOWS[url.searchParams.get("flow") ?? ""];
      if (which === undefined) throw new RangeError("flow must be untagged|plain|limited|slot");
      const runId = crypto.randomUUID();
      const { state } = await deps.run(runId).runToEnd({ runId, ...which });
      return Response.json({ id: runId, state });
    }
    default:
      return undefined;
  }
}

/** Hand-off, first half: N runs queue for a slot the bench holds. */
async function queue(deps: LimitsDeps, n: number) {
  const limit = deps.limit(HANDOFF_LIMIT);
  // Created (D1's catalogue row too) by the driver over the API; made sure of here.
  await limit.configure({ name: HANDOFF_LIMIT, create: true, limit: 1 });
  const blocker = `bench-blocker-${crypto.randomUUID()}`;
  const held = await limit.acquire({
    limit: HANDOFF_LIMIT,
    leaseId: blocker,
    occupy: 1,
    kind: "hold",
    scope: "run",
    strategy: "ENQUEUE",
    holder: { runId: blocker, label: "bench blocker" },
  });
  if (held.status !== "granted") throw new Error(`the blocker was not granted: ${held.status}`);
  const runIds = Array.from({ length: n }, () => crypto.randomUUID());
  await Promise.all(
    runIds.map((runId) =>
      deps.run(runId).create({ runId, flowName: benchHandoff.flowName, params: {} }),
    ),
  );
  await until(async () => (await limit.view())?.waiters.length === n, "all runs in line");
  return { runIds, lease: blocker };
}

/** Hand-off, second half: the bench lets go, and the runs take the slot one after another. */
async function release(deps: LimitsDeps, lease: string) {
  const limit = deps.limit(HANDOFF_LIMIT);
  const releasedAt = Date.now();
  const { released } = await limit.release(lease);
  if (!released) throw new Error(`the bench did not hold lease ${lease}`);
  await until(async () => {
    const view = await limit.view();
    return view?.holders.length === 0 && view.waiters.length === 0;
  }, "the line to empty");
  return { releasedAt };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (await check()) return;
    await pause(20);
  }
  throw new Error(`not within 60 s: ${what}`);
}

/** N acquire/release pairs (or 2N calls to the floor) from K callers at once. */
async function pairs(deps: LimitsDeps, target: string, k: number, n: number) {
  if (!Number.isInteger(k) || k < 1 || k > 256) throw new RangeError("k must be 1..256");
  let pair: (lane: number, i: number) => Promise<void>;
  if (target === "limit") {
    const limit = deps.limit(PAIRS_LIMIT);
    await limit.configure({ name: PAIRS_LIMIT, create: true, limit: ROOMY });
    const run = crypto.randomUUID();
    pair = async (lane, i) => {
      const leaseId = `${run}/${lane}/${i}`;
      const answer = await limit.acquire({
        limit: PAIRS_LIMIT,
        leaseId,
        occupy: 1,
        kind: "hold",
        scope: "step",
        strategy: "ENQUEUE",
        holder: { runId: run, stepId: String(i), label: `pair-${i}` },
      });
      if (answer.status !== "granted") throw new Error(`acquire answered ${answer.status}`);
      await limit.release(leaseId);
    };
  } else if (target === "view") {
    const limit = deps.limit(PAIRS_LIMIT);
    pair = async () => {
      await limit.view();
      await limit.view();
    };
    await limit.view();
  } else if (target === "sql") {
    const floor = deps.floor("bench-pairs-sql");
    const run = crypto.randomUUID();
    pair = async (lane, i) => {
      await floor.limitSql("acquire", `${run}/${lane}/${i}`);
      await floor.limitSql("release", `${run}/${lane}/${i}`);
    };
  } else if (target === "floor" || target === "ping") {
    const floor = deps.floor(`bench-pairs-${target}`);
    pair =
      target === "floor"
        ? () => floor.write().then(() => floor.write())
        : () => floor.ping().then(() => floor.ping());
    await floor.ping();
  } else {
    throw new RangeError("target must be limit|view|sql|floor|ping");
  }
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: k }, async (_, lane) => {
      while (next < n) await pair(lane, next++);
    }),
  );
  return { pairs: n, ms: Date.now() - started };
}
