import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  allSettled,
  Completed,
  Crashed,
  EngineLines,
  engineLine,
  Failed,
  flow,
  InMemoryCacheStore,
  InMemoryJournal,
  InMemoryLogStore,
  type Journal,
  type JournalEntry,
  type LogRecord,
  type LogSink,
  Pending,
  Running,
  Suspended,
  sleep,
  type TaskContext,
  task,
} from "../host.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { emptyRunRecord } from "./run_record.ts";

const START = Date.UTC(2026, 0, 1);

// A flow that writes every kind of line: the engine's (creation, beginning, each task's end,
// a cache hit, a failure with a retry, a subflow's end, the run's end) and its own (a task's
// logger, the flow body's logger), with tasks running side by side.
const child = flow({ name: "child", runName: "kid" }, async function* () {
  return yield* task({ name: "inner" }, () => 2)();
});
let flakyCalls = 0;
const flaky = task({ name: "flaky", retries: 1, retryDelay: 5 }, () => {
  flakyCalls++;
  if (flakyCalls % 2 === 1) throw new Error("first attempt fails");
  return 1;
});
const talk = task({ name: "talk" }, function (this: TaskContext) {
  this.logger.info("a task's own line");
  return 3;
});
const cached = task({ name: "cached", cache: true }, () => 4);
const broken = task({ name: "broken" }, () => {
  throw new Error("boom");
});
const everything = flow(
  { name: "everything", runName: "all-lines" },
  async function* (_params: undefined, ctx) {
    ctx.logger.info("the body's own line");
    yield* talk();
    yield* flaky();
    yield* cached();
    yield* cached();
    yield* child(undefined);
    yield* sleep("1s");
    yield* allSettled([talk(), broken(), talk()]);
    ctx.logger.warning("the body ends");
    return 0;
  },
);

/** Runs the flow on a fixed clock and run id with a given sink. */
async function runEverything(logs: LogSink, journal: Journal): Promise<void> {
  flakyCalls = 0;
  await everything.run(undefined, {
    runId: "run-1",
    journal,
    logs,
    console: false,
    cache: new InMemoryCacheStore(),
    clock: new FakeClock({ start: START, autoAdvance: true }),
  });
}

/** The comparable fields of a line, with run ids named by order of appearance. */
function comparable(records: readonly LogRecord[]): string[] {
  const runs = new Map<string, string>();
  return records.map((r) => {
    if (!runs.has(r.runId)) runs.set(r.runId, `run#${runs.size}`);
    return `${runs.get(r.runId)} ${r.stepId ?? "-"} ${r.level} ${r.source} - ${r.message} @${r.timestamp - START}`;
  });
}

describe("engine lines", () => {
  test("a host that renders them from the journal shows what an in-process run writes, in order", async () => {
    // In-process: the engine writes its lines to the sink.
    const written = new InMemoryLogStore();
    await runEverything(written, new InMemoryJournal({ serialize: true }));

    // A rendering host: one sequence numbers appended entries and stored lines, as the
    // Worker's run object does; the engine's lines are rendered from the entries afterwards.
    let seq = 0;
    const stored: { seq: number; record: LogRecord }[] = [];
    const appended: { seq: number; runId: string; entry: JournalEntry }[] = [];
    const sink: LogSink = {
      rendersEngineLines: true,
      write: (record) => stored.push({ seq: ++seq, record }),
    };
    const journal = new InMemoryJournal({ serialize: true });
    const recording: Journal = {
      read: (runId) => journal.read(runId),
      append(runId, entries) {
        for (const entry of entries) appended.push({ seq: ++seq, runId, entry });
        journal.append(runId, entries);
      },
    };
    await runEverything(sink, recording);
    const folds = new Map<string, EngineLines>();
    const rendered: { seq: number; record: LogRecord }[] = [];
    for (const { seq: at, runId, entry } of appended) {
      const lines = folds.get(runId) ?? new EngineLines(runId);
      folds.set(runId, lines);
      const record = lines.next(entry);
      if (record !== undefined) rendered.push({ seq: at, record });
    }
    const merged = [...stored, ...rendered].sort((a, b) => a.seq - b.seq).map((x) => x.record);

    assert.deepEqual(comparable(merged), comparable(written.records));
    // Nothing the engine renders was stored: a step that logs nothing wrote no line.
    assert.ok(stored.every(({ record }) => !record.message.startsWith("Finished in state")));
    const messages = written.records.map((r) => `${r.source} - ${r.message}`);
    for (const expected of [
      "weir.engine - Created flow run 'all-lines' for flow 'everything'",
      "Flow run 'all-lines' - Beginning flow run 'all-lines' for flow 'everything'",
      "Task run 'talk-0' - Finished in state Completed()",
      "Task run 'cached-1' - Finished in state Cached()",
      "Task run 'broken-0' - Finished in state Failed('Task run encountered an exception Error: boom')",
      "Subflow run 'child' - Finished in state Completed()",
      "Flow run 'all-lines' - Finished in state Completed()",
    ]) {
      assert.ok(messages.includes(expected), `${expected} in ${messages.join("\n")}`);
    }
    // A failure with a retry ahead is announced by its own line, not "Finished".
    assert.equal(messages.filter((m) => m.startsWith("Task run 'flaky-0' - Finished")).length, 1);
  });

  test("each entry announces at most one line, from what the entries before it say", () => {
    const record = emptyRunRecord();
    const at = START;
    const run = {
      id: "r",
      flowName: "f",
      name: "calm-otter",
      parameters: null,
      tags: [],
      seed: 1,
    };
    const say = (entry: JournalEntry) => {
      const line = engineLine("r", entry, record);
      new EngineLines("r", record).next(entry);
      return line === undefined ? undefined : `${line.level} ${line.source} - ${line.message}`;
    };
    const started = (stepId: string, kind: "task" | "sleep"): JournalEntry => ({
      type: "step.started",
      at,
      stepId,
      kind,
      name: kind === "task" ? "t" : "sleep",
      runName: kind === "task" ? `t-${stepId}` : `sleep-${stepId}`,
      attempt: 1,
      state: Running(at),
    });
    const error = { name: "Error", message: "x" };
    const lines = [
      say({ type: "run.created", at, run }),
      say({ type: "run.state", at, state: Pending(at) }),
      say({ type: "run.state", at, state: Running(at) }),
      say(started("0", "task")),
      say({
        type: "step.failed",
        at,
        stepId: "0",
        state: Failed(at),
        error,
        attempt: 1,
        retryAt: at + 1,
      }),
      say(started("0", "task")),
      say({ type: "step.completed", at, stepId: "0", state: Completed(at) }),
      say(started("1", "sleep")),
      say({ type: "step.completed", at, stepId: "1", state: Completed(at) }),
      say({ type: "run.state", at, state: Suspended(at) }),
      say({ type: "run.state", at, state: Running(at) }),
      // A crash recorded without run.finished has its own line, written when it happened.
      say({ type: "run.state", at, state: Crashed(at) }),
      say({ type: "run.finished", at, error }),
      say({ type: "run.state", at, state: Failed(at, { message: "x" }) }),
      say({ type: "run.retry", at, attempt: 1 }),
    ];
    assert.deepEqual(lines, [
      "INFO weir.engine - Created flow run 'calm-otter' for flow 'f'",
      undefined,
      "INFO Flow run 'calm-otter' - Beginning flow run 'calm-otter' for flow 'f'",
      undefined,
      undefined,
      undefined,
      "INFO Task run 't-0' - Finished in state Completed()",
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      "ERROR Flow run 'calm-otter' - Finished in state Failed('x')",
      "INFO Flow run 'calm-otter' - Retrying flow run (attempt 1)",
    ]);
  });
});
