/**
 * The contract every {@link Journal} implementation must meet, as plain async cases that throw
 * on failure. They use only web-standard APIs, so the same cases run under Deno and Node
 * (`journal.contract.test.ts`, against `InMemoryJournal`) and inside workerd (against the
 * Durable Object SQLite journal).
 *
 * The first cases check storage (order, isolation, atomic batches, exact round trip of every
 * entry type); the last ones run real flows through the executor against the journal: a flow
 * with retries, a sleep, a subflow and `all()`; a run that crashes half-way and is resumed; a
 * run that suspends and is resumed.
 *
 * @example
 * ```ts
 * for (const c of journalContract) test(c.name, () => c.run(() => new InMemoryJournal()));
 * ```
 *
 * @module
 */

import { decode, type Encoded, encode } from "../codec.ts";
import { all, sleep } from "../combinators.ts";
import type { TaskContext } from "../context.ts";
import {
  deserializeError,
  FlowRunError,
  NonRetryableError,
  ParameterValidationError,
  RetryAfterError,
  serializeError,
  TimeoutError,
} from "../errors.ts";
import { flow } from "../flow.ts";
import { inspectRun } from "../inspect.ts";
import type { Journal, JournalEntry } from "../journal.ts";
import {
  AwaitingRetry,
  Cached,
  Cancelling,
  Completed,
  Failed,
  Paused,
  Pending,
  Running,
  Scheduled,
  Suspended,
} from "../states.ts";
import { task } from "../task.ts";
import {
  assertDeepEqual,
  assertEqual,
  assertInstanceOf,
  assertRejects,
  assertTrue,
} from "./assert.ts";
import { FakeClock } from "./fake_clock.ts";

/** One case of a contract suite: `run` throws when the implementation breaks the contract. */
export interface ContractCase<T> {
  readonly name: string;
  run(make: () => T | Promise<T>): Promise<void>;
}

/** The error a {@link CrashingJournal} throws once it has "crashed". */
export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

/**
 * A journal wrapper that simulates a process crash at its `crashAt`-th append: that append
 * and every later read or append throw {@link SimulatedCrash}. With `commitCrashing`, the
 * crashing append is stored first (a crash right after the commit), else it is not (a crash
 * before it). Without `crashAt` it never crashes and only counts appends.
 *
 * @example
 * ```ts
 * const crashing = new CrashingJournal(journal, { crashAt: 5 });
 * await myFlow.run(params, { journal: crashing, console: false }); // rejects: Crashed
 * await myFlow.resume(runId, { journal, console: false }).result();
 * ```
 */
export class CrashingJournal implements Journal {
  /** How many appends were attempted. */
  appends = 0;
  /** True once the crash happened. */
  crashed = false;
  readonly #inner: Journal;
  readonly #crashAt: number | undefined;
  readonly #commitCrashing: boolean;

  constructor(inner: Journal, options: { crashAt?: number; commitCrashing?: boolean } = {}) {
    this.#inner = inner;
    this.#crashAt = options.crashAt;
    this.#commitCrashing = options.commitCrashing ?? false;
  }

  async read(runId: string): Promise<readonly JournalEntry[]> {
    if (this.crashed) throw new SimulatedCrash(`read of ${runId} after the crash`);
    return this.#inner.read(runId);
  }

  async append(runId: string, entries: readonly JournalEntry[]): Promise<void> {
    if (this.crashed) throw new SimulatedCrash(`append to ${runId} after the crash`);
    const n = ++this.appends;
    if (n === this.#crashAt) {
      this.crashed = true;
      if (this.#commitCrashing) await this.#inner.append(runId, entries);
      throw new SimulatedCrash(
        `crash at append ${n} (${this.#commitCrashing ? "after" : "before"} it was stored)`,
      );
    }
    await this.#inner.append(runId, entries);
  }
}

const T0 = Date.UTC(2026, 0, 1);

function uniqueRunId(label: string): string {
  return `contract-${label}-${crypto.randomUUID()}`;
}

/** What a journal should give back for what was appended: the same data, as JSON. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function readAll(journal: Journal, runId: string): Promise<JournalEntry[]> {
  const entries = await journal.read(runId);
  assertTrue(Array.isArray(entries), `read(${runId}) returns an array`);
  return [...entries];
}

function stateEntry(at: number, n: number): JournalEntry {
  return { type: "run.state", at, state: Running(at, { message: `entry ${n}` }) };
}

/** One entry of every type, with every optional field that type has. */
function everyEntryType(runId: string): JournalEntry[] {
  const at = T0 + 1;
  return [
    {
      type: "run.created",
      at,
      run: {
        id: runId,
        flowName: "etl",
        flowVersion: "1.2.0",
        name: "crimson-otter",
        parameters: encode({ day: new Date(T0), limit: 10, tags: new Set(["a"]) }),
        tags: ["nightly", "prod"],
        parentRunId: "parent-run",
        parentStepId: "3.1",
        scheduledAt: T0 + 60_000,
        seed: 123456789,
      },
    },
    { type: "run.state", at, state: Scheduled(at, { scheduledTime: T0 + 60_000 }) },
    { type: "run.state", at, state: Pending(at) },
    { type: "run.cancel", at, reason: "Cancelled by ana" },
    { type: "run.state", at, state: Cancelling(at, { message: "Cancelled by ana" }) },
    { type: "run.retry", at, attempt: 2 },
    {
      type: "step.started",
      at,
      stepId: "0",
      kind: "task",
      name: "fetch-fact",
      runName: "fetch-fact-0",
      attempt: 1,
      state: Running(at),
      tags: ["io"],
      inputs: ["1", "2.0"],
    },
    {
      type: "step.failed",
      at,
      stepId: "0",
      state: AwaitingRetry(at, { scheduledTime: at + 5000, message: "flaky" }),
      error: serializeError(new RetryAfterError("rate limited", "5s")),
      attempt: 1,
      retryAt: at + 5000,
    },
    {
      type: "step.completed",
      at,
      stepId: "0",
      state: Completed(at),
      value: encode({ rows: 3, when: new Date(T0), big: 2n ** 70n }),
      cacheKey: "fetch-fact:abc123",
    },
    {
      type: "step.started",
      at,
      stepId: "1",
      kind: "sleep",
      name: "sleep",
      runName: "sleep-1",
      attempt: 1,
      state: Scheduled(at, { scheduledTime: at + 600_000 }),
      wakeAt: at + 600_000,
    },
    {
      type: "step.started",
      at,
      stepId: "2",
      kind: "subflow",
      name: "child",
      runName: "child",
      attempt: 1,
      state: Running(at),
      childRunId: "child-run-id",
      tags: ["sub"],
    },
    {
      type: "step.completed",
      at,
      stepId: "2",
      state: Completed(at),
      ref: { store: "results", key: "child-run-id/result" },
    },
    {
      type: "step.started",
      at,
      stepId: "3",
      kind: "event",
      name: "approved",
      runName: "wait-for-approved",
      attempt: 1,
      state: Paused(at, { scheduledTime: at + 3_600_000 }),
      wakeAt: at + 3_600_000,
    },
    {
      type: "event.received",
      at,
      eventId: "event-1",
      name: "approved",
      payload: encode({ by: "ana", at: new Date(T0) }),
    },
    {
      type: "step.completed",
      at,
      stepId: "3",
      state: Completed(at),
      value: encode({ by: "ana", at: new Date(T0) }),
      eventId: "event-1",
    },
    {
      type: "step.started",
      at,
      stepId: "4",
      kind: "group",
      name: "race",
      runName: "race-4",
      attempt: 1,
      state: Running(at),
    },
    { type: "step.completed", at, stepId: "4", state: Cached(at), winner: 1 },
    {
      type: "step.failed",
      at,
      stepId: "5",
      state: Failed(at, { message: "bad" }),
      error: serializeError(new NonRetryableError("bad", { cause: new TypeError("root") })),
      attempt: 3,
    },
    { type: "run.finished", at, value: encode(undefined) },
    { type: "run.finished", at, ref: { store: "results", key: `${runId}/result` } },
    {
      type: "run.finished",
      at,
      error: serializeError(new TimeoutError("slow", { cause: "a plain string cause" })),
    },
    { type: "run.state", at, state: Suspended(at) },
  ];
}

/** Tasks and flows for the executor cases, with per-task-run execution counters. */
function buildFlows() {
  /** How many times each task run (by `taskRunId`: run id and step id) was executed. */
  const executions = new Map<string, number>();
  const count = (ctx: TaskContext) =>
    executions.set(ctx.taskRunId, (executions.get(ctx.taskRunId) ?? 0) + 1);
  const double = task({ name: "double" }, function (this: TaskContext, n: number) {
    count(this);
    return n * 2;
  });
  const flaky = task(
    { name: "flaky", retries: 2, retryDelay: [3, 7] },
    function (this: TaskContext, n: number) {
      count(this);
      if (this.attempt <= 2) throw new Error(`flake on attempt ${this.attempt}`);
      return n + 1;
    },
  );
  const inner = flow({ name: "contract-inner" }, async function* (params: { n: number }) {
    const a = yield* double(params.n);
    const b = yield* flaky(a);
    return { a, b, at: new Date(0) };
  });
  const outer = flow({ name: "contract-outer" }, async function* (params: { n: number }) {
    const a = yield* double(params.n);
    const [b, c, d] = yield* all([double(a), flaky(a), double(a + 1)]);
    yield* sleep("10m");
    const child = yield* inner({ n: b + c + d });
    const e = yield* double(child.b);
    return { a, b, c, d, child, e, map: new Map([["k", e]]) };
  });
  // For params { n: 1 }: a=2; b=4, c=3 (third attempt), d=6; child(13): a=26, b=27; e=54.
  const expected = {
    a: 2,
    b: 4,
    c: 3,
    d: 6,
    child: { a: 26, b: 27, at: new Date(0) },
    e: 54,
    map: new Map([["k", 54]]),
  };
  /** Executions in a clean run: 5 + 2 task runs, the two flaky ones 3 times each. */
  const cleanExecutions = 5 + 2 + 2 * 2;
  const sleeper = flow({ name: "contract-sleeper" }, async function* (params: { n: number }) {
    yield* sleep("30m");
    return yield* double(params.n);
  });
  const suspending = flow({ name: "contract-suspending" }, async function* (params: { n: number }) {
    const a = yield* double(params.n);
    yield* sleep("1h");
    const b = yield* double(a);
    const c = yield* sleeper({ n: b });
    return { a, b, c };
  });
  const total = () => [...executions.values()].reduce((sum, n) => sum + n, 0);
  return { executions, total, outer, expected, cleanExecutions, suspending };
}

/** `${runId}/${stepId}` of every task step whose completion the journal holds, children too. */
async function completedTaskRuns(journal: Journal, runId: string): Promise<Set<string>> {
  const done = new Set<string>();
  const entries = await journal.read(runId);
  const kinds = new Map<string, string>();
  for (const entry of entries) {
    if (entry.type === "step.started") {
      kinds.set(entry.stepId, entry.kind);
      if (entry.kind === "subflow" && entry.childRunId !== undefined) {
        for (const id of await completedTaskRuns(journal, entry.childRunId)) done.add(id);
      }
    }
    if (entry.type === "step.completed" && kinds.get(entry.stepId) === "task") {
      done.add(`${runId}/${entry.stepId}`);
    }
  }
  return done;
}

/** Every step id completed more than once in the run or its children: must be none. */
async function completedTwice(journal: Journal, runId: string): Promise<string[]> {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const entry of await journal.read(runId)) {
    if (entry.type === "step.started" && entry.kind === "subflow" && entry.childRunId) {
      if (!seen.has(`child:${entry.childRunId}`)) {
        seen.add(`child:${entry.childRunId}`);
        twice.push(...(await completedTwice(journal, entry.childRunId)));
      }
    }
    if (entry.type === "step.completed") {
      const id = `${runId}/${entry.stepId}`;
      if (seen.has(id)) twice.push(id);
      seen.add(id);
    }
  }
  return twice;
}

/**
 * The journal contract. A case may call `make` more than once (the crash case makes one
 * journal per crash point); each call should give an empty journal, though cases use fresh
 * random run ids, so a journal shared between calls works too. The executor cases keep several
 * runs (a parent and its subflow's child) in the same journal.
 */
export const journalContract: ReadonlyArray<ContractCase<Journal>> = [
  {
    name: "read of an unknown run returns an empty list",
    async run(make) {
      const journal = await make();
      assertDeepEqual(await readAll(journal, uniqueRunId("unknown")), [], "unknown run");
    },
  },
  {
    name: "append then read gives every entry back in order, exactly, across appends",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("order");
      const appended: JournalEntry[] = [];
      const batches = [[0], [1, 2, 3], [4], [5, 6]];
      for (const batch of batches) {
        const entries = batch.map((n) => stateEntry(T0 + n, n));
        await journal.append(runId, entries);
        appended.push(...entries);
        assertDeepEqual(
          await readAll(journal, runId),
          jsonCopy(appended),
          `journal after appending entries ${batch.join(", ")}`,
        );
      }
      // Many small appends keep their order too.
      for (let n = 7; n < 107; n++) {
        const entry = stateEntry(T0 + n, n);
        await journal.append(runId, [entry]);
        appended.push(entry);
      }
      const read = await readAll(journal, runId);
      assertEqual(read.length, 107, "entries after 104 appends");
      assertDeepEqual(read, jsonCopy(appended), "journal after 104 appends");
    },
  },
  {
    name: "a batch append stores every entry of the batch, in order",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("batch");
      const batch = Array.from({ length: 50 }, (_, n) => stateEntry(T0 + n, n));
      await journal.append(runId, batch);
      assertDeepEqual(await readAll(journal, runId), jsonCopy(batch), "a 50-entry batch");
      await journal.append(runId, []);
      assertEqual((await readAll(journal, runId)).length, 50, "entries after an empty append");
    },
  },
  {
    name: "an empty append to a new run stores nothing",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("empty");
      await journal.append(runId, []);
      assertDeepEqual(await readAll(journal, runId), [], "run after an empty append");
    },
  },
  {
    name: "runs are isolated from each other",
    async run(make) {
      const journal = await make();
      const a = uniqueRunId("a");
      const b = uniqueRunId("b");
      await journal.append(a, [stateEntry(T0, 0)]);
      await journal.append(b, [stateEntry(T0 + 10, 10), stateEntry(T0 + 11, 11)]);
      await journal.append(a, [stateEntry(T0 + 1, 1)]);
      await journal.append(b, [stateEntry(T0 + 12, 12)]);
      assertDeepEqual(
        await readAll(journal, a),
        jsonCopy([stateEntry(T0, 0), stateEntry(T0 + 1, 1)]),
        "run a",
      );
      assertDeepEqual(
        await readAll(journal, b),
        jsonCopy([stateEntry(T0 + 10, 10), stateEntry(T0 + 11, 11), stateEntry(T0 + 12, 12)]),
        "run b",
      );
      assertDeepEqual(await readAll(journal, `${a}-other`), [], "a run whose id extends a's");
      assertDeepEqual(await readAll(journal, a.slice(0, -1)), [], "a run whose id prefixes a's");
    },
  },
  {
    name: "a read is a snapshot: later appends do not change entries already read",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("snapshot");
      await journal.append(runId, [stateEntry(T0, 0)]);
      const before = await readAll(journal, runId);
      await journal.append(runId, [stateEntry(T0 + 1, 1)]);
      assertEqual(before.length, 1, "entries of the earlier read");
      assertEqual((await readAll(journal, runId)).length, 2, "entries of a new read");
    },
  },
  {
    name: "entries of every type round-trip with every optional field",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("types");
      const entries = everyEntryType(runId);
      const types = new Set(entries.map((e) => e.type));
      assertEqual(types.size, 9, "entry types covered");
      await journal.append(runId, entries.slice(0, 5));
      for (const entry of entries.slice(5)) await journal.append(runId, [entry]);
      assertDeepEqual(await readAll(journal, runId), jsonCopy(entries), "every entry type");
    },
  },
  {
    name: "encoded values (Dates, Maps, Sets, bigints, bytes, undefined, NaN) round-trip",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("values");
      const value = {
        when: new Date(Date.UTC(2026, 4, 3, 12, 30)),
        lookup: new Map<unknown, unknown>([
          ["a", 1],
          [2, new Date(0)],
          [{ k: 1 }, new Set([1, "x"])],
        ]),
        set: new Set([1, 2, 3]),
        big: -(2n ** 80n),
        bytes: new Uint8Array([0, 1, 127, 128, 255]),
        nothing: undefined,
        notANumber: Number.NaN,
        infinite: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
        text: 'ünïcødé ✓ \u0000 \n "quoted" \\',
        nested: { list: [null, true, { deep: [new Date(1)] }], $weir: "not a tag" },
      };
      const values: unknown[] = [value, undefined, null, 0, "", [], {}, new Map(), 7n];
      const entries: JournalEntry[] = values.map((v, i) => ({
        type: "step.completed",
        at: T0,
        stepId: String(i),
        state: Completed(T0),
        value: encode(v),
      }));
      await journal.append(runId, entries);
      const read = await readAll(journal, runId);
      assertEqual(read.length, values.length, "entries read");
      read.forEach((entry, i) => {
        assertTrue(entry.type === "step.completed", `entry ${i} is step.completed`);
        const stored = (entry as { value?: Encoded }).value;
        assertTrue(stored !== undefined, `entry ${i} keeps its value`);
        assertDeepEqual(decode(stored), values[i], `decoded value ${i}`);
      });
      const decoded = decode((read[0] as { value: Encoded }).value) as typeof value;
      assertInstanceOf(decoded.when, Date, "decoded date");
      assertInstanceOf(decoded.lookup, Map, "decoded map");
      assertEqual(typeof decoded.big, "bigint", "decoded bigint type");
      assertTrue("nothing" in decoded, "an undefined field stays a field");
      assertTrue(Number.isNaN(decoded.notANumber), "NaN stays NaN");
    },
  },
  {
    name: "serialized errors round-trip and come back as their classes, with cause chains",
    async run(make) {
      const journal = await make();
      const runId = uniqueRunId("errors");
      const errors: Error[] = [
        new NonRetryableError("no fact at /x", {
          cause: new TypeError("fetch failed", {
            cause: new RetryAfterError("rate limited", "30s", { cause: { status: 429 } }),
          }),
        }),
        new RetryAfterError("slow down", "1m30s"),
        new TimeoutError("Task run 'fetch-0' exceeded its timeout of 5s"),
        new ParameterValidationError("cat-fact", [
          { field: "url", message: "Invalid URL" },
          { field: "limit", message: "Expected number" },
        ]),
      ];
      await journal.append(
        runId,
        errors.map((error, i) => ({
          type: "step.failed",
          at: T0,
          stepId: String(i),
          state: Failed(T0, { message: error.message }),
          error: serializeError(error),
          attempt: i + 1,
        })),
      );
      await journal.append(runId, [
        { type: "run.finished", at: T0, error: serializeError(errors[0]) },
      ]);
      const read = await readAll(journal, runId);
      const back = read.map((entry) => {
        assertTrue(
          entry.type === "step.failed" || entry.type === "run.finished",
          `entry type ${entry.type}`,
        );
        const data = entry.type === "step.failed" ? entry.error : entry.error;
        assertTrue(data !== undefined, "the entry keeps its error");
        return deserializeError(data);
      });
      const [chain, retryAfter, timeout, validation, finished] = back;
      assertInstanceOf(chain, NonRetryableError, "first error");
      assertEqual(chain.name, "NonRetryableError", "first error's name");
      assertEqual(chain.message, "no fact at /x", "first error's message");
      const cause = chain.cause;
      assertInstanceOf(cause, TypeError, "first error's cause");
      assertEqual(cause.message, "fetch failed", "cause's message");
      const root = cause.cause;
      assertInstanceOf(root, RetryAfterError, "cause of the cause");
      assertEqual(root.retryAfterMs, 30_000, "root's retryAfterMs");
      assertDeepEqual(root.cause, { status: 429 }, "root's non-error cause");
      assertInstanceOf(retryAfter, RetryAfterError, "second error");
      assertEqual(retryAfter.retryAfterMs, 90_000, "retryAfterMs");
      assertInstanceOf(timeout, TimeoutError, "third error");
      assertEqual(timeout.name, "TimeoutError", "third error's name");
      assertInstanceOf(validation, ParameterValidationError, "fourth error");
      assertDeepEqual(
        validation.issues,
        [
          { field: "url", message: "Invalid URL" },
          { field: "limit", message: "Expected number" },
        ],
        "validation issues",
      );
      assertEqual(validation.field, "url", "first field at fault");
      assertEqual(
        validation.message,
        "Invalid parameters for flow 'cat-fact': url: Invalid URL; limit: Expected number",
        "validation message",
      );
      assertInstanceOf(finished, NonRetryableError, "run.finished error");
      assertInstanceOf(finished.cause, TypeError, "run.finished error's cause");
    },
  },
  {
    name: "executor: a flow with retries, a sleep, a subflow and all() completes",
    async run(make) {
      const journal = await make();
      const clock = new FakeClock({ start: T0, autoAdvance: true });
      const { executions, total, outer, expected, cleanExecutions } = buildFlows();
      const runId = uniqueRunId("flow");
      const result = await outer.run({ n: 1 }, { runId, journal, clock, console: false });
      assertDeepEqual(result, expected, "flow result");
      assertEqual(total(), cleanExecutions, "task executions");
      assertDeepEqual(clock.waits, [3000, 7000, 600_000, 3000, 7000], "waits (ms)");
      assertEqual(clock.now(), T0 + 620_000, "clock at the end");
      const view = await inspectRun(journal, runId);
      assertEqual(view.state?.name, "Completed", "run state");
      assertDeepEqual(
        view.stateHistory.map((s) => s.name),
        ["Pending", "Running", "Completed"],
        "run state history",
      );
      assertDeepEqual(view.result, expected, "result read from the journal");
      assertDeepEqual(
        view.steps.map((s) => `${s.id}:${s.kind}:${s.runName}:${s.attempts}:${s.state.name}`),
        [
          "0:task:double-0:1:Completed",
          "1:group:all-1:1:Completed",
          "1.0:task:double-1:1:Completed",
          "1.1:task:flaky-0:3:Completed",
          "1.2:task:double-2:1:Completed",
          "2:sleep:sleep-2:1:Completed",
          "3:subflow:contract-inner:1:Completed",
          "4:task:double-3:1:Completed",
        ],
        "steps",
      );
      const flaky = view.steps.find((s) => s.id === "1.1");
      assertDeepEqual(
        flaky?.stateHistory.map((s) => s.name),
        ["Running", "AwaitingRetry", "Retrying", "AwaitingRetry", "Retrying", "Completed"],
        "flaky task run's state history",
      );
      const childRunId = view.steps.find((s) => s.kind === "subflow")?.childRunId;
      assertTrue(childRunId !== undefined, "the subflow step names its child run");
      const child = await inspectRun(journal, childRunId);
      assertEqual(child.parentRunId, runId, "child's parent run");
      assertEqual(child.state?.name, "Completed", "child's state");
      assertDeepEqual(child.result, expected.child, "child's result");
      assertDeepEqual(
        child.taskRuns.map((s) => `${s.runName}:${s.attempts}`),
        ["double-0:1", "flaky-0:3"],
        "child's task runs",
      );
      assertEqual(executions.get(`${childRunId}/1`), 3, "child's flaky attempts");
      assertDeepEqual(await completedTwice(journal, runId), [], "steps completed twice");
    },
  },
  {
    name: "executor: a run that crashes is resumed to completion without re-running done steps",
    async run(make) {
      // Count the appends of a clean run, then crash runs at spread-out points.
      const counting = new CrashingJournal(await make());
      const clean = buildFlows();
      await clean.outer.run(
        { n: 1 },
        { journal: counting, clock: new FakeClock({ autoAdvance: true }), console: false },
      );
      const appends = counting.appends;
      assertTrue(appends > 20, `a clean run makes many appends (made ${appends})`);
      const points = [
        ...new Set([2, 3, Math.floor(appends / 3), Math.floor(appends / 2), appends - 1]),
      ];
      for (const crashAt of points) {
        for (const commitCrashing of [false, true]) {
          const where = `crash at append ${crashAt}/${appends} (${commitCrashing ? "after" : "before"} commit)`;
          const journal = await make();
          const clock = new FakeClock({ start: T0, autoAdvance: true });
          const { executions, total, outer, expected } = buildFlows();
          const runId = uniqueRunId("crash");
          const crashing = new CrashingJournal(journal, { crashAt, commitCrashing });
          const crashed = await outer.run(
            { n: 1 },
            { runId, journal: crashing, clock, console: false, returnState: true },
          );
          assertTrue(crashing.crashed, `${where}: the journal crashed`);
          assertEqual(crashed.type, "CRASHED", `${where}: state of the crashed run`);
          const done = await completedTaskRuns(journal, runId);
          const before = new Map(executions);
          const result = await outer.resume(runId, { journal, clock, console: false }).result();
          assertDeepEqual(result, expected, `${where}: result after resume`);
          for (const id of done) {
            assertEqual(executions.get(id), before.get(id), `${where}: executions of done ${id}`);
          }
          assertTrue(total() >= 10, `${where}: every task ran`);
          assertDeepEqual(await completedTwice(journal, runId), [], `${where}: completed twice`);
          const view = await inspectRun(journal, runId);
          assertEqual(view.state?.name, "Completed", `${where}: state after resume`);
        }
      }
    },
  },
  {
    name: "executor: a run in suspend mode suspends at each timer and resumes to completion",
    async run(make) {
      const journal = await make();
      const clock = new FakeClock({ start: T0 });
      const { executions, suspending } = buildFlows();
      const runId = uniqueRunId("suspend");
      const options = { journal, clock, console: false, mode: "suspend" } as const;
      const first = await suspending.start({ n: 3 }, { ...options, runId }).execution;
      assertDeepEqual(first, { status: "suspended", wakeAt: T0 + 3_600_000 }, "first stop");
      let view = await inspectRun(journal, runId);
      // Sleeping is not waiting for input: the run stays Running, its sleep step Scheduled.
      assertEqual(view.state?.name, "Running", "state while asleep");
      assertEqual(
        view.steps.find((s) => s.kind === "sleep")?.state.scheduledTime,
        T0 + 3_600_000,
        "asleep until",
      );
      assertDeepEqual([...executions.values()], [1], "executions before the sleep");

      // Woken too early: it suspends again, running nothing.
      await clock.advance(60_000);
      const early = await suspending.resume(runId, options).execution;
      assertDeepEqual(early, { status: "suspended", wakeAt: T0 + 3_600_000 }, "early wake");
      assertDeepEqual([...executions.values()], [1], "executions after an early wake");

      // The sleep is over; the subflow then sleeps 30 minutes and suspends its parent.
      await clock.advanceTo(T0 + 3_600_000);
      const second = await suspending.resume(runId, options).execution;
      assertDeepEqual(
        second,
        { status: "suspended", wakeAt: T0 + 3_600_000 + 1_800_000 },
        "stop in the subflow",
      );
      assertDeepEqual([...executions.values()], [1, 1], "executions before the child's sleep");
      view = await inspectRun(journal, runId);
      const childRunId = view.steps.find((s) => s.kind === "subflow")?.childRunId;
      assertTrue(childRunId !== undefined, "the subflow step names its child run");
      assertEqual((await inspectRun(journal, childRunId)).state?.name, "Running", "child");

      await clock.advanceTo(T0 + 3_600_000 + 1_800_000);
      const handle = suspending.resume(runId, options);
      const last = await handle.execution;
      assertEqual(last.status, "finished", "last stop");
      assertDeepEqual(await handle.result(), { a: 6, b: 12, c: 24 }, "result");
      assertDeepEqual([...executions.values()], [1, 1, 1], "executions at the end");
      view = await inspectRun(journal, runId);
      assertDeepEqual(
        view.stateHistory.map((s) => s.name),
        ["Pending", "Running", "Completed"],
        "run state history",
      );
      const child = await inspectRun(journal, childRunId);
      assertEqual(child.state?.name, "Completed", "child's final state");
      assertEqual(child.parentRunId, runId, "child's parent");

      // A finished run resumed again reports its result and journals nothing more.
      const length = (await journal.read(runId)).length;
      assertDeepEqual(
        await suspending.resume(runId, options).result(),
        { a: 6, b: 12, c: 24 },
        "result of a finished run",
      );
      assertEqual(
        (await journal.read(runId)).length,
        length,
        "entries after resuming a finished run",
      );

      // Resuming a run the journal does not hold fails, and journals nothing for it.
      const missing = uniqueRunId("missing");
      const error = await assertRejects(
        () => suspending.resume(missing, options).result(),
        "resuming a run that does not exist",
      );
      assertInstanceOf(error, FlowRunError, "error of resuming a missing run");
      assertEqual(error.state.type, "CRASHED", "state of a missing run");
      assertTrue(
        String(error.state.message).includes(`Cannot resume run '${missing}'`),
        `the error names the missing run (message: ${error.state.message})`,
      );
      assertDeepEqual(await readAll(journal, missing), [], "journal of the missing run");
    },
  },
];
