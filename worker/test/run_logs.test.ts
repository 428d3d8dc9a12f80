// A run object's log lines: the lines stored as written merged with the engine's lines rendered
// from the journal, with one cursor order across both, level filters, paging, the live feed's
// lines, and objects upgraded from a deploy that stored the engine's lines.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  Completed,
  Failed,
  type JournalEntry,
  type LogLevelName,
  type LogRecord,
  Pending,
  Running,
} from "../../runtime/host.ts";
import type { LogLine } from "../api/run_json.ts";
import { RunLogs } from "../storage/run_logs.ts";
import { RunMeta } from "../storage/run_meta.ts";
import { RunSequence } from "../storage/run_sequence.ts";
import { migrate } from "../storage/schema.ts";
import { SqlJournal } from "../storage/sql_journal.ts";
import { SqlLogSink } from "../storage/sql_logs.ts";
import { api, createRun, drive, json, stubOf, testEnv } from "./helpers.ts";

function inFreshObject<T>(body: (storage: DurableObjectStorage) => T): Promise<Awaited<T>> {
  const id = testEnv.FLOW_RUNS.idFromName(`run-logs-${crypto.randomUUID()}`);
  return runInDurableObject(testEnv.FLOW_RUNS.get(id), (_instance, state) => {
    migrate(state.storage);
    return body(state.storage);
  }) as Promise<Awaited<T>>;
}

/** The storage a run object wires up, with the lines its live feed would send. */
function parts(storage: DurableObjectStorage) {
  const sequence = new RunSequence(storage);
  const live: LogLine[] = [];
  const watching = { on: false };
  const journal: SqlJournal = new SqlJournal(
    storage,
    (runId, entries, firstSeq) => {
      if (watching.on) live.push(...logs.appended(runId, entries, firstSeq));
      else logs.unwatched();
    },
    sequence,
  );
  const sink = new SqlLogSink(
    storage,
    (record, cursor) => {
      if (watching.on) live.push({ ...record, cursor });
    },
    sequence,
  );
  const logs = new RunLogs(journal, sink, new RunMeta(storage));
  return { journal, sink, logs, live, watching };
}

const AT = Date.UTC(2026, 0, 1);
const RUN = "r";

function line(stepId: string, level: LogLevelName, message: string): LogRecord {
  return { runId: RUN, stepId, source: `Task run 't-${stepId}'`, level, message, timestamp: AT };
}

function started(stepId: string): JournalEntry {
  return {
    type: "step.started",
    at: AT,
    stepId,
    kind: "task",
    name: "t",
    runName: `t-${stepId}`,
    attempt: 1,
    state: Running(AT),
  };
}

const error = { name: "Error", message: "boom" };

/** A run as the engine writes it: tasks that log, one that does not, one that fails. */
function writeRun({ journal, sink }: ReturnType<typeof parts>, steps = ["0", "1", "2"]): void {
  const run = { id: RUN, flowName: "f", name: "calm-otter", parameters: null, tags: [], seed: 1 };
  if (steps.includes("0")) {
    journal.append(RUN, [
      { type: "run.created", at: AT, run },
      { type: "run.state", at: AT, state: Pending(AT) },
    ]);
    journal.append(RUN, [{ type: "run.state", at: AT, state: Running(AT) }]);
    journal.append(RUN, [started("0")]);
    sink.write(line("0", "INFO", "hello"));
    journal.append(RUN, [{ type: "step.completed", at: AT, stepId: "0", state: Completed(AT) }]);
  }
  if (steps.includes("1")) {
    journal.append(RUN, [started("1")]);
    journal.append(RUN, [{ type: "step.completed", at: AT, stepId: "1", state: Completed(AT) }]);
  }
  if (steps.includes("2")) {
    journal.append(RUN, [started("2")]);
    sink.write(line("2", "WARNING", "careful"));
    const state = Failed(AT, { message: "boom" });
    journal.append(RUN, [{ type: "step.failed", at: AT, stepId: "2", state, error, attempt: 1 }]);
    journal.append(RUN, [
      { type: "run.finished", at: AT, error },
      { type: "run.state", at: AT, state },
    ]);
  }
}

const EXPECTED = [
  "INFO weir.engine - Created flow run 'calm-otter' for flow 'f'",
  "INFO Flow run 'calm-otter' - Beginning flow run 'calm-otter' for flow 'f'",
  "INFO Task run 't-0' - hello",
  "INFO Task run 't-0' - Finished in state Completed()",
  "INFO Task run 't-1' - Finished in state Completed()",
  "WARNING Task run 't-2' - careful",
  "ERROR Task run 't-2' - Finished in state Failed('boom')",
  "ERROR Flow run 'calm-otter' - Finished in state Failed('boom')",
];

const text = (lines: readonly LogLine[]) =>
  lines.map((l) => `${l.level} ${l.source} - ${l.message}`);

function expectIncreasing(lines: readonly LogLine[]): void {
  for (let i = 1; i < lines.length; i++) {
    expect((lines[i] as LogLine).cursor).toBeGreaterThan((lines[i - 1] as LogLine).cursor);
  }
}

/** Every page of `limit` lines, each read after the last cursor of the page before. */
function pages(logs: RunLogs, limit: number, minLevel?: LogLevelName): LogLine[] {
  const all: LogLine[] = [];
  for (let after = 0; ; ) {
    const page = logs.read(RUN, { after, limit, ...(minLevel === undefined ? {} : { minLevel }) });
    all.push(...page);
    if (page.length < limit) return all;
    after = (page[page.length - 1] as LogLine).cursor;
  }
}

describe("RunLogs", () => {
  it("orders a task's own lines among the engine's, one row per line it wrote", async () => {
    await inFreshObject((storage) => {
      const object = parts(storage);
      writeRun(object);
      const lines = object.logs.read(RUN);
      expect(text(lines)).toEqual(EXPECTED);
      expectIncreasing(lines);
      expect(lines[3]).toMatchObject({ runId: RUN, stepId: "0", timestamp: AT });
      // Only the lines the tasks wrote are rows; the engine's are rendered from the journal.
      expect(storage.sql.exec("SELECT message FROM logs").toArray()).toEqual([
        { message: "hello" },
        { message: "careful" },
      ]);
    });
  });

  it("keeps every cursor across a new instance, and numbers later lines after them", async () => {
    await inFreshObject((storage) => {
      writeRun(parts(storage), ["0", "1"]);
      const first = parts(storage).logs.read(RUN);
      const later = parts(storage);
      expect(later.logs.read(RUN)).toEqual(first);
      writeRun(later, ["2"]);
      const all = later.logs.read(RUN);
      expect(all.slice(0, first.length)).toEqual(first);
      expect(text(all)).toEqual(EXPECTED);
      expectIncreasing(all);
    });
  });

  it("applies a level filter to rendered lines as to stored ones", async () => {
    await inFreshObject((storage) => {
      const object = parts(storage);
      writeRun(object);
      expect(text(object.logs.read(RUN, { minLevel: "WARNING" }))).toEqual(EXPECTED.slice(5));
      expect(text(object.logs.read(RUN, { minLevel: "ERROR" }))).toEqual(EXPECTED.slice(6));
      expect(text(object.logs.read(RUN, { minLevel: "INFO" }))).toEqual(EXPECTED);
    });
  });

  it("pages across stored and rendered lines without losing or repeating one", async () => {
    await inFreshObject((storage) => {
      const object = parts(storage);
      writeRun(object);
      const all = object.logs.read(RUN);
      for (const limit of [1, 2, 3, 5, 8, 100]) expect(pages(object.logs, limit)).toEqual(all);
      const warnings = object.logs.read(RUN, { minLevel: "WARNING" });
      expect(pages(object.logs, 1, "WARNING")).toEqual(warnings);
      // After the last cursor: nothing.
      const last = (all[all.length - 1] as LogLine).cursor;
      expect(object.logs.read(RUN, { after: last })).toEqual([]);
      expect(object.logs.read(RUN, { limit: 0 })).toEqual([]);
    });
  });

  it("sends the live feed the lines a read returns, with the same cursors", async () => {
    await inFreshObject((storage) => {
      const object = parts(storage);
      writeRun(object, ["0"]);
      // Watching starts while a task's start is held in memory, not yet stored.
      object.journal.append(RUN, [started("1")]);
      object.watching.on = true;
      object.journal.append(RUN, [
        { type: "step.completed", at: AT, stepId: "1", state: Completed(AT) },
      ]);
      writeRun(object, ["2"]);
      const read = object.logs.read(RUN);
      expect(object.live).toEqual(read.slice(4));
      // Appends no one watched, then watching again: the fold is rebuilt from the journal.
      object.watching.on = false;
      object.live.length = 0;
      object.journal.append(RUN, [{ type: "run.retry", at: AT, attempt: 1 }]);
      object.watching.on = true;
      object.journal.append(RUN, [{ type: "run.state", at: AT, state: Running(AT) }]);
      object.journal.append(RUN, [started("2")]);
      object.journal.append(RUN, [
        { type: "step.completed", at: AT, stepId: "2", state: Completed(AT) },
      ]);
      const after = object.logs.read(RUN).slice(read.length);
      expect(text(after)).toEqual([
        "INFO Flow run 'calm-otter' - Retrying flow run (attempt 1)",
        "INFO Task run 't-2' - Finished in state Completed()",
      ]);
      expect(object.live).toEqual(after.slice(1));
    });
  });

  it("shows an upgraded object's stored engine lines once and renders those of later entries", async () => {
    await inFreshObject((storage) => {
      const sql = storage.sql;
      // A version-2 object mid-run: journal rows and log rows numbered apart, with the
      // engine's lines stored beside the task's own.
      sql.exec("DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (2)");
      const run = {
        id: RUN,
        flowName: "f",
        name: "calm-otter",
        parameters: null,
        tags: [],
        seed: 1,
      };
      const old: JournalEntry[] = [
        { type: "run.created", at: AT, run },
        { type: "run.state", at: AT, state: Running(AT) },
        started("0"),
        { type: "step.completed", at: AT, stepId: "0", state: Completed(AT) },
      ];
      for (const entry of old) {
        sql.exec("INSERT INTO journal (run_id, entry) VALUES (?, ?)", RUN, JSON.stringify(entry));
      }
      for (const [source, message] of [
        ["weir.engine", "Created flow run 'calm-otter' for flow 'f'"],
        ["Flow run 'calm-otter'", "Beginning flow run 'calm-otter' for flow 'f'"],
        ["Task run 't-0'", "hello"],
        ["Task run 't-0'", "Finished in state Completed()"],
      ]) {
        sql.exec(
          "INSERT INTO logs (run_id, level, source, message, timestamp) VALUES (?, 'INFO', ?, ?, ?)",
          RUN,
          source,
          message,
          AT,
        );
      }
      const before = new SqlLogSink(storage).read();
      migrate(storage);

      const object = parts(storage);
      writeRun(object, ["1", "2"]);
      const all = object.logs.read(RUN);
      expect(text(all)).toEqual(EXPECTED);
      expectIncreasing(all);
      // The lines stored before the upgrade keep their cursors.
      expect(all.slice(0, 4)).toEqual(before);
      for (const limit of [1, 3]) expect(pages(object.logs, limit)).toEqual(all);
    });
  });
});

describe("a run object's logs", () => {
  it("stores no row for a run whose tasks log nothing, and shows the engine's lines", async () => {
    const run = await drive((await createRun("sum", { parameters: { n: 3 } })).id);
    expect(run.state.type).toBe("COMPLETED");
    const rows = await runInDurableObject(stubOf(run.id), (_instance, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM logs").one(),
    );
    expect(rows.n).toBe(0);
    const { logs } = await json<{ logs: LogLine[] }>(api(`/api/runs/${run.id}/logs`));
    expect(logs.map((l) => `${l.source} - ${l.message}`)).toEqual([
      expect.stringMatching(/^weir\.engine - Created flow run '.+' for flow 'sum'$/),
      expect.stringMatching(/^Flow run '.+' - Beginning flow run '.+' for flow 'sum'$/),
      "Task run 'add-0' - Finished in state Completed()",
      "Task run 'add-1' - Finished in state Completed()",
      "Task run 'add-2' - Finished in state Completed()",
      expect.stringMatching(/^Flow run '.+' - Finished in state Completed\(\)$/),
    ]);
    expectIncreasing(logs);
  });
});
