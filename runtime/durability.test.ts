// The crash test: a 20-step flow (sequential tasks, a retried task, a parallel group of three
// tasks, a sleep and a subflow of three tasks) is crashed at every single journal append of a
// clean run, both before and right after that append is stored, then resumed from the journal.
// Every time, the result must be the clean run's, no step whose completion was committed
// before the crash may run again, and every task must have run.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  all,
  flow,
  InMemoryJournal,
  inspectRun,
  type Journal,
  type JournalEntry,
  sleep,
  type TaskContext,
  task,
} from "./host.ts";
import { FakeClock } from "./testing/fake_clock.ts";
import { CrashingJournal } from "./testing/journal_contract.ts";

const T0 = Date.UTC(2026, 0, 1);
const PARAMS = { seed: 7 };

/** The pipeline and its execution counters; a fresh pair for every run, so runs never mix. */
function buildPipeline() {
  /** Executions per task run identity: `${flowRunId}/${stepId}`. */
  const byRun = new Map<string, number>();
  /** Executions per task label (the same across runs, whatever the run ids). */
  const byLabel = new Map<string, number>();
  /** Which label each task run identity executed. */
  const labelOf = new Map<string, string>();
  const record = (ctx: TaskContext, label: string) => {
    byRun.set(ctx.taskRunId, (byRun.get(ctx.taskRunId) ?? 0) + 1);
    byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
    const known = labelOf.get(ctx.taskRunId);
    if (known !== undefined && known !== label) {
      throw new Error(`task run ${ctx.taskRunId} ran '${known}' and now '${label}'`);
    }
    labelOf.set(ctx.taskRunId, label);
  };
  const step = task({ name: "step" }, function (this: TaskContext, label: string, input: number) {
    record(this, label);
    return (input * 31 + label.length) % 1_000_003;
  });
  const flaky = task(
    { name: "flaky", retries: 2, retryDelay: 5 },
    function (this: TaskContext, label: string, input: number) {
      record(this, label);
      if (this.attempt === 1) throw new Error(`${label} fails its first attempt`);
      return input + 1000;
    },
  );
  const child = flow({ name: "durable-child" }, async function* (params: { input: number }) {
    const a = yield* step("child-a", params.input);
    const b = yield* flaky("child-b", a);
    const c = yield* step("child-c", b);
    return { a, b, c, tags: new Set(["child"]) };
  });
  const pipeline = flow({ name: "durable-pipeline" }, async function* (params: { seed: number }) {
    const trail: number[] = [];
    let x = params.seed;
    for (let i = 0; i < 4; i++) {
      // Steps 0-3; step 2 fails once and is retried.
      x = i === 2 ? yield* flaky(`seq-${i}`, x) : yield* step(`seq-${i}`, x);
      trail.push(x);
    }
    // Step 4: a parallel group of three (4.0, 4.1 retried, 4.2).
    const [p, q, r] = yield* all([step("par-0", x), flaky("par-1", x), step("par-2", x)]);
    x = (p + q + r) % 1_000_003;
    trail.push(x);
    x = yield* step("seq-5", x);
    trail.push(x);
    yield* sleep("10m"); // step 6
    x = yield* step("seq-7", x);
    trail.push(x);
    const sub = yield* child({ input: x }); // step 8
    x = sub.c;
    trail.push(x);
    for (let i = 9; i < 20; i++) {
      x = yield* step(`seq-${i}`, x);
      trail.push(x);
    }
    return { x, trail, sub, summary: new Map([["last", x]]) };
  });
  return { pipeline, byRun, byLabel, labelOf };
}

/** Labels of every task and how many executions a clean run makes of each. */
const CLEAN_COUNTS: ReadonlyMap<string, number> = new Map([
  ...Array.from({ length: 20 }, (_, i) => [`seq-${i}`, 1] as const).filter(
    ([label]) => !["seq-4", "seq-6", "seq-8"].includes(label),
  ),
  ["seq-2", 2],
  ["par-0", 1],
  ["par-1", 2],
  ["par-2", 1],
  ["child-a", 1],
  ["child-b", 2],
  ["child-c", 1],
]);

/** The subflow step's child run id, read from the parent's journal. */
function childRunIdOf(entries: readonly JournalEntry[]): string | undefined {
  for (const entry of entries) {
    if (entry.type === "step.started" && entry.kind === "subflow") return entry.childRunId;
  }
  return undefined;
}

/** `${runId}/${stepId}` of every task whose completion the journal holds, the child's too. */
async function committedTasks(journal: Journal, runId: string): Promise<Set<string>> {
  const out = new Set<string>();
  const kinds = new Map<string, string>();
  const entries = await journal.read(runId);
  for (const entry of entries) {
    if (entry.type === "step.started") kinds.set(entry.stepId, entry.kind);
    if (entry.type === "step.completed" && kinds.get(entry.stepId) === "task") {
      out.add(`${runId}/${entry.stepId}`);
    }
  }
  const childRunId = childRunIdOf(entries);
  if (childRunId !== undefined) {
    for (const id of await committedTasks(journal, childRunId)) out.add(id);
  }
  return out;
}

/** Step ids completed more than once in one run's journal. */
function completedTwice(entries: readonly JournalEntry[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const entry of entries) {
    if (entry.type !== "step.completed") continue;
    if (seen.has(entry.stepId)) twice.push(entry.stepId);
    seen.add(entry.stepId);
  }
  return twice;
}

/** Steps as "id kind runName attempts state", for comparing a run with the clean one. */
async function stepSummary(journal: Journal, runId: string): Promise<string[]> {
  const view = await inspectRun(journal, runId);
  return view.steps.map((s) => `${s.id} ${s.kind} ${s.runName} ${s.attempts} ${s.state.name}`);
}

interface CleanRun {
  readonly appends: number;
  readonly result: unknown;
  readonly parentSteps: string[];
  readonly childSteps: string[];
}

let cleanRun: Promise<CleanRun> | undefined;

/** Runs the pipeline once without crashing, counting its appends. Shared by the tests. */
function clean(): Promise<CleanRun> {
  cleanRun ??= (async () => {
    const journal = new InMemoryJournal({ serialize: true });
    const counting = new CrashingJournal(journal);
    const clock = new FakeClock({ start: T0, autoAdvance: true });
    const { pipeline, byLabel } = buildPipeline();
    const runId = "clean";
    const result = await pipeline.run(PARAMS, { runId, journal: counting, clock, console: false });
    assert.deepEqual(byLabel, CLEAN_COUNTS, "executions of a clean run");
    assert.deepEqual(clock.waits, [5000, 5000, 600_000, 5000], "waits of a clean run");
    const childRunId = childRunIdOf(journal.read(runId));
    assert.ok(childRunId !== undefined);
    return {
      appends: counting.appends,
      result,
      parentSteps: await stepSummary(journal, runId),
      childSteps: await stepSummary(journal, childRunId),
    };
  })();
  return cleanRun;
}

/** Checks the journal's parent/child linkage and that every step completed exactly once. */
async function assertConsistent(journal: InMemoryJournal, runId: string, where: string) {
  const entries = journal.read(runId);
  const childRunId = childRunIdOf(entries);
  assert.ok(childRunId !== undefined, `${where}: the subflow step names its child run`);
  assert.deepEqual(journal.runIds().sort(), [runId, childRunId].sort(), `${where}: runs`);
  const childEntries = journal.read(childRunId);
  const created = childEntries.filter((e) => e.type === "run.created");
  assert.equal(created.length, 1, `${where}: the child was created once`);
  const info = created[0]?.type === "run.created" ? created[0].run : undefined;
  assert.equal(info?.parentRunId, runId, `${where}: the child's parent run`);
  assert.equal(info?.parentStepId, "8", `${where}: the child's parent step`);
  assert.equal(
    entries.filter((e) => e.type === "run.created").length,
    1,
    `${where}: the parent was created once`,
  );
  const subflowStarts = entries.filter((e) => e.type === "step.started" && e.kind === "subflow");
  assert.ok(
    subflowStarts.every((e) => e.type === "step.started" && e.childRunId === childRunId),
    `${where}: every start of the subflow step names the same child`,
  );
  assert.deepEqual(completedTwice(entries), [], `${where}: parent steps completed twice`);
  assert.deepEqual(completedTwice(childEntries), [], `${where}: child steps completed twice`);
  const child = await inspectRun(journal, childRunId);
  const parent = await inspectRun(journal, runId);
  assert.equal(child.state?.name, "Completed", `${where}: the child's state`);
  assert.equal(parent.state?.name, "Completed", `${where}: the parent's state`);
  assert.deepEqual(
    parent.steps.find((s) => s.id === "8")?.result,
    child.result,
    `${where}: the subflow step's result is the child's`,
  );
  return childRunId;
}

describe("durability: crash at every journal append, then resume", () => {
  test("the clean run has 20 top-level steps and its expected result", async () => {
    const run = await clean();
    const topLevel = run.parentSteps.filter((s) => !s.split(" ")[0]?.includes("."));
    assert.equal(topLevel.length, 20);
    assert.deepEqual(
      topLevel.map((s) => s.split(" ").slice(1, 2)[0]),
      [
        ...Array(4).fill("task"),
        "group",
        "task",
        "sleep",
        "task",
        "subflow",
        ...Array(11).fill("task"),
      ],
    );
    assert.deepEqual(run.childSteps, [
      "0 task step-0 1 Completed",
      "1 task flaky-0 2 Completed",
      "2 task step-1 1 Completed",
    ]);
    const result = run.result as { x: number; trail: number[]; sub: { tags: Set<string> } };
    assert.equal(result.trail.length, 19);
    assert.equal(result.trail.at(-1), result.x);
    assert.deepEqual(result.sub.tags, new Set(["child"]));
    // Every task run, retry, group, sleep, subflow and state change is its own append.
    assert.ok(run.appends > 50, `appends of a clean run: ${run.appends}`);
  });

  for (const commitCrashing of [false, true]) {
    const variant = commitCrashing ? "right after it is stored" : "before it is stored";
    test(`a crash at each append, ${variant}, resumes to the clean result`, async () => {
      const run = await clean();
      for (let k = 1; k <= run.appends; k++) {
        const where = `crash at append ${k}/${run.appends} ${variant}`;
        const journal = new InMemoryJournal({ serialize: true });
        const clock = new FakeClock({ start: T0, autoAdvance: true });
        const { pipeline, byRun, byLabel } = buildPipeline();
        const runId = `crash-${k}-${commitCrashing ? "after" : "before"}`;
        const crashing = new CrashingJournal(journal, { crashAt: k, commitCrashing });
        const crashed = await pipeline.run(PARAMS, {
          runId,
          journal: crashing,
          clock,
          console: false,
          returnState: true,
        });
        assert.ok(crashing.crashed, `${where}: the journal crashed`);
        assert.equal(crashed.type, "CRASHED", `${where}: state of the crashed run`);
        assert.equal(crashing.appends, k, `${where}: no append was attempted after the crash`);

        // What the journal held when the process died.
        const committed = await committedTasks(journal, runId);
        const atCrash = new Map(byRun);
        for (const id of committed) {
          assert.ok((atCrash.get(id) ?? 0) >= 1, `${where}: committed ${id} had run`);
        }

        // The process is down for a minute; then one resume must finish the run.
        await clock.advance(60_000);
        const resumedAt = clock.now();
        const sleptBeforeCrash = journal
          .read(runId)
          .some((e) => e.type === "step.completed" && e.stepId === "6");
        let result: unknown;
        if (journal.read(runId).some((e) => e.type === "run.created")) {
          result = await pipeline.resume(runId, { journal, clock, console: false }).result();
        } else {
          // The creation itself was lost: there is no run to resume, so the host starts it again.
          assert.equal(k, 1, `${where}: only the first append creates the run`);
          assert.equal(commitCrashing, false, `${where}: a stored creation is resumable`);
          assert.deepEqual(journal.runIds(), [], `${where}: nothing was journaled`);
          const error = await pipeline
            .resume(runId, { journal, clock, console: false })
            .result()
            .then(
              () => undefined,
              (e: unknown) => e as Error,
            );
          assert.match(String(error?.message), /its journal is empty/, `${where}: resume error`);
          assert.deepEqual(journal.runIds(), [], `${where}: a failed resume journals nothing`);
          result = await pipeline.run(PARAMS, { runId, journal, clock, console: false });
        }

        // (a) the clean run's result.
        assert.deepEqual(result, run.result, `${where}: result`);
        // (b) no step whose completion was committed before the crash ran again.
        for (const id of committed) {
          assert.equal(byRun.get(id), atCrash.get(id), `${where}: executions of committed ${id}`);
        }
        // (c) every task ran, and at most one attempt was lost to the crash.
        assert.deepEqual([...byLabel.keys()].sort(), [...CLEAN_COUNTS.keys()].sort(), where);
        for (const [label, cleanCount] of CLEAN_COUNTS) {
          const count = byLabel.get(label) ?? 0;
          assert.ok(count >= cleanCount, `${where}: ${label} ran ${count} < ${cleanCount} times`);
          assert.ok(count <= cleanCount + 1, `${where}: ${label} ran ${count} times`);
        }
        // The journal tells the same story as the clean run's, with consistent linkage.
        const childRunId = await assertConsistent(journal, runId, where);
        assert.deepEqual(await stepSummary(journal, runId), run.parentSteps, `${where}: steps`);
        assert.deepEqual(
          await stepSummary(journal, childRunId),
          run.childSteps,
          `${where}: child steps`,
        );
        // The sleep's wake time was journaled once; it ended then (or at the resume, when it
        // was due while the process was down).
        const sleepStarts = journal
          .read(runId)
          .filter((e) => e.type === "step.started" && e.kind === "sleep");
        assert.equal(sleepStarts.length, 1, `${where}: the sleep started once`);
        const wakeAt = sleepStarts[0]?.type === "step.started" ? sleepStarts[0].wakeAt : undefined;
        assert.equal(
          wakeAt,
          (sleepStarts[0]?.at ?? 0) + 600_000,
          `${where}: the sleep's wake time`,
        );
        const view = await inspectRun(journal, runId);
        assert.equal(
          view.steps.find((s) => s.kind === "sleep")?.state.timestamp,
          sleptBeforeCrash ? wakeAt : Math.max(wakeAt ?? 0, resumedAt),
          `${where}: the sleep ended at its journaled wake time`,
        );
      }
    });
  }

  test("three crashing resumes in a row never re-run a committed step", async () => {
    const run = await clean();
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ start: T0, autoAdvance: true });
    const { pipeline, byRun, byLabel } = buildPipeline();
    const runId = "resumed-thrice";
    // The first run crashes a quarter of the way; each resume gets 12 appends further.
    const first = new CrashingJournal(journal, { crashAt: Math.floor(run.appends / 4) });
    const crashed = await pipeline.run(PARAMS, {
      runId,
      journal: first,
      clock,
      console: false,
      returnState: true,
    });
    assert.equal(crashed.type, "CRASHED");
    let previous = (await committedTasks(journal, runId)).size;
    for (let resume = 1; resume <= 3; resume++) {
      const committed = await committedTasks(journal, runId);
      const before = new Map(byRun);
      const crashing = new CrashingJournal(journal, { crashAt: 12, commitCrashing: true });
      const state = await pipeline
        .resume(runId, { journal: crashing, clock, console: false })
        .finalState();
      assert.equal(state.type, "CRASHED", `resume ${resume} crashed`);
      for (const id of committed) {
        assert.equal(byRun.get(id), before.get(id), `resume ${resume}: executions of ${id}`);
      }
      const now = (await committedTasks(journal, runId)).size;
      assert.ok(now > previous, `resume ${resume} made progress (${previous} -> ${now})`);
      previous = now;
    }
    const committed = await committedTasks(journal, runId);
    const before = new Map(byRun);
    const result = await pipeline.resume(runId, { journal, clock, console: false }).result();
    assert.deepEqual(result, run.result);
    for (const id of committed) assert.equal(byRun.get(id), before.get(id), `final: ${id}`);
    for (const [label, cleanCount] of CLEAN_COUNTS) {
      assert.ok((byLabel.get(label) ?? 0) >= cleanCount, `${label} ran`);
    }
    await assertConsistent(journal, runId, "after three crashing resumes");
  });

  test("a finished run resumed three times runs nothing and journals nothing", async () => {
    const run = await clean();
    const journal = new InMemoryJournal({ serialize: true });
    const clock = new FakeClock({ start: T0, autoAdvance: true });
    const { pipeline, byLabel } = buildPipeline();
    const runId = "finished";
    assert.deepEqual(
      await pipeline.run(PARAMS, { runId, journal, clock, console: false }),
      run.result,
    );
    const executions = new Map(byLabel);
    assert.deepEqual(executions, CLEAN_COUNTS);
    const childRunId = childRunIdOf(journal.read(runId)) ?? "";
    const lengths = [journal.read(runId).length, journal.read(childRunId).length];
    for (let i = 0; i < 3; i++) {
      const handle = pipeline.resume(runId, { journal, clock, console: false });
      assert.deepEqual(await handle.result(), run.result, `resume ${i + 1}: result`);
      assert.equal((await handle.execution).status, "finished");
    }
    assert.deepEqual(byLabel, executions, "no task ran again");
    assert.deepEqual([journal.read(runId).length, journal.read(childRunId).length], lengths);
  });
});
