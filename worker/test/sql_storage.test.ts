// SqlJournal and SqlLogSink beyond the journal contract: how many rows and statements a task
// step costs, and that what is held back to share a statement is never reordered or lost to a
// reader.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Completed, type JournalEntry, Running } from "../../runtime/host.ts";
import { RunSequence } from "../storage/run_sequence.ts";
import { migrate } from "../storage/schema.ts";
import { SqlJournal } from "../storage/sql_journal.ts";
import { SqlLogSink } from "../storage/sql_logs.ts";
import { expandStep } from "../storage/step_rows.ts";
import { testEnv } from "./helpers.ts";

function inFreshObject<T>(
  body: (storage: DurableObjectStorage) => T | Promise<T>,
): Promise<Awaited<T>> {
  const id = testEnv.FLOW_RUNS.idFromName(`sql-storage-${crypto.randomUUID()}`);
  return runInDurableObject(testEnv.FLOW_RUNS.get(id), async (_instance, state) => {
    migrate(state.storage);
    return await body(state.storage);
  }) as Promise<Awaited<T>>;
}

function started(stepId: string, kind: "task" | "sleep" = "task"): JournalEntry {
  return {
    type: "step.started",
    at: 1,
    stepId,
    kind,
    name: "noop",
    runName: `noop-${stepId}`,
    attempt: 1,
    state: Running(1),
    ...(kind === "sleep" ? { wakeAt: 60_000 } : {}),
  };
}

function completed(stepId: string): JournalEntry {
  return { type: "step.completed", at: 2, stepId, state: Completed(2), value: { v: 1 } };
}

/** The stored entries with their numbers: a task step stored as one row counts as its two. */
function rowsOf(storage: DurableObjectStorage, runId: string): { seq: number; type: string }[] {
  return storage.sql
    .exec<{ seq: number; entry: string }>(
      "SELECT seq, entry FROM journal WHERE run_id = ? ORDER BY seq",
      runId,
    )
    .toArray()
    .flatMap((row) => {
      const parsed = JSON.parse(row.entry) as JournalEntry | unknown[];
      if (!Array.isArray(parsed)) return [{ seq: row.seq, type: parsed.type }];
      const step = expandStep(parsed);
      return [
        { seq: step.startSeq, type: step.started.type },
        { seq: row.seq, type: step.outcome.type },
      ];
    });
}

/** How many rows the journal table holds. */
function tableRows(storage: DurableObjectStorage): number {
  return storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM journal").one().n;
}

describe("SqlJournal", () => {
  it("holds a task's start in memory and stores it in one statement with its outcome", async () => {
    await inFreshObject((storage) => {
      const seen: string[] = [];
      const journal = new SqlJournal(storage, (_runId, entries) => {
        for (const e of entries) seen.push(e.type);
      });
      journal.append("r", [started("0")]);
      // The live feed sees the start at once; SQLite does not have it yet.
      expect(seen).toEqual(["step.started"]);
      expect(rowsOf(storage, "r")).toEqual([]);
      journal.append("r", [completed("0")]);
      expect(rowsOf(storage, "r")).toEqual([
        { seq: 1, type: "step.started" },
        { seq: 2, type: "step.completed" },
      ]);
      // The usual task step is one row, numbered as its outcome.
      expect(tableRows(storage)).toBe(1);
      expect(journal.read("r")).toEqual([started("0"), completed("0")]);
    });
  });

  it("reads a task step stored as one row back as its two entries, with their own numbers", async () => {
    await inFreshObject((storage) => {
      const sequence = new RunSequence(storage);
      const journal = new SqlJournal(storage, () => {}, sequence);
      const logs = new SqlLogSink(storage, () => {}, sequence);
      journal.append("r", [started("0")]);
      // The task's own line, written while its start is held, is numbered between the two.
      logs.write({
        runId: "r",
        stepId: "0",
        source: "s",
        level: "INFO",
        message: "hi",
        timestamp: 1,
      });
      journal.append("r", [completed("0")]);
      expect(tableRows(storage)).toBe(1);
      expect([...journal.rows("r")]).toEqual([
        { seq: 1, entry: started("0") },
        { seq: 3, entry: completed("0") },
      ]);
      // Numbering continues after the row in a new instance (the outcome's number is the row's).
      const later = new SqlJournal(storage);
      later.append("r", [{ type: "run.cancel", at: 3, reason: "user" }]);
      expect(rowsOf(storage, "r").map((r) => r.seq)).toEqual([1, 3, 4]);
    });
  });

  it("stores a task step of any other shape as its two entries, read back as appended", async () => {
    await inFreshObject((storage) => {
      const journal = new SqlJournal(storage);
      const start = started("0");
      const variants: [JournalEntry, JournalEntry][] = [
        [{ ...start, tags: ["t"] } as JournalEntry, completed("0")],
        [{ ...start, inputs: ["9"] } as JournalEntry, completed("0")],
        [{ ...start, state: Running(1, { message: "m" }) } as JournalEntry, completed("0")],
        [start, { ...completed("0"), cacheKey: "k" } as JournalEntry],
        [
          start,
          {
            type: "step.completed",
            at: 2,
            stepId: "0",
            state: Completed(2),
            ref: { store: "results", key: "k" },
          },
        ],
        [start, { type: "step.completed", at: 2, stepId: "0", state: Completed(3), value: 1 }],
        [
          start,
          {
            type: "step.failed",
            at: 2,
            stepId: "0",
            state: Completed(2),
            attempt: 1,
            error: { name: "E", message: "m" },
          } as JournalEntry,
        ],
        [start, completed("1")],
      ];
      const appended: JournalEntry[] = [];
      for (const [a, b] of variants) {
        journal.append("r", [a]);
        journal.append("r", [b]);
        appended.push(a, b);
      }
      expect(tableRows(storage)).toBe(2 * variants.length);
      expect(journal.read("r")).toEqual(appended);
    });
  });

  it("stores held starts before any read, so a reader never misses one", async () => {
    await inFreshObject((storage) => {
      const journal = new SqlJournal(storage);
      journal.append("r", [started("0")]);
      expect(journal.read("r").map((e) => e.type)).toEqual(["step.started"]);
      expect(rowsOf(storage, "r")).toHaveLength(1);
      journal.append("r", [completed("0")]);
      expect(rowsOf(storage, "r").map((r) => r.seq)).toEqual([1, 2]);
      expect(tableRows(storage)).toBe(2);
      journal.append("r", [started("1")]);
      expect(journal.read("r")).toHaveLength(3);
    });
  });

  it("writes the starts of sleeps (and anything else) at once", async () => {
    await inFreshObject((storage) => {
      const journal = new SqlJournal(storage);
      journal.append("r", [started("0", "sleep")]);
      expect(rowsOf(storage, "r").map((r) => r.type)).toEqual(["step.started"]);
      journal.append("r", [started("1"), completed("1")]);
      expect(rowsOf(storage, "r")).toHaveLength(3);
    });
  });

  it("keeps each run's order when held starts of several runs meet another run's append", async () => {
    await inFreshObject((storage) => {
      const journal = new SqlJournal(storage);
      journal.append("a", [started("0")]);
      journal.append("b", [started("0")]);
      journal.append("a", [started("1")]);
      journal.append("b", [completed("0")]);
      const stepsOf = (runId: string) =>
        journal.read(runId).map((e) => `${e.type} ${(e as { stepId: string }).stepId}`);
      expect(stepsOf("a")).toEqual(["step.started 0", "step.started 1"]);
      expect(stepsOf("b")).toEqual(["step.started 0", "step.completed 0"]);
      journal.flush();
      expect(rowsOf(storage, "a")).toHaveLength(2);
    });
  });

  it("stores a fan-out's many held starts and a large batch across statements, in order", async () => {
    await inFreshObject((storage) => {
      const journal = new SqlJournal(storage);
      for (let i = 0; i < 250; i++) journal.append("r", [started(String(i))]);
      journal.append(
        "r",
        Array.from({ length: 250 }, (_, i) => completed(String(i))),
      );
      const rows = rowsOf(storage, "r");
      expect(rows).toHaveLength(500);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(rows.slice(0, 250).every((r) => r.type === "step.started")).toBe(true);
      const stepIds = journal.read("r").map((e) => (e as { stepId: string }).stepId);
      expect(stepIds.slice(0, 3)).toEqual(["0", "1", "2"]);
      expect(stepIds.slice(250, 253)).toEqual(["0", "1", "2"]);
    });
  });

  it("continues the sequence of a journal written by an earlier instance", async () => {
    await inFreshObject((storage) => {
      new SqlJournal(storage).append("r", [started("0", "sleep"), completed("0")]);
      const later = new SqlJournal(storage);
      later.append("r", [started("1")]);
      later.append("r", [completed("1")]);
      expect(rowsOf(storage, "r").map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    });
  });
});

describe("schema", () => {
  it("moves a version-1 object's journal and logs to the current version intact, once", async () => {
    const id = testEnv.FLOW_RUNS.idFromName(`schema-${crypto.randomUUID()}`);
    await runInDurableObject(testEnv.FLOW_RUNS.get(id), (_instance, state) => {
      const sql = state.storage.sql;
      // Version 1's tables, as an object created by an earlier deploy has them.
      sql.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version (version) VALUES (1);
        CREATE TABLE journal (run_id TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,
          PRIMARY KEY (run_id, seq));
        CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
          step_id TEXT, level TEXT NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL,
          timestamp INTEGER NOT NULL);
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
          payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
      // Inserted out of order: the journal's order is (run_id, seq), not insertion order.
      for (const [seq, stepId] of [
        [2, "b"],
        [1, "a"],
        [3, "c"],
      ] as const) {
        sql.exec(
          "INSERT INTO journal (run_id, seq, entry) VALUES ('r', ?, ?)",
          seq,
          JSON.stringify(completed(stepId)),
        );
      }
      sql.exec(
        "INSERT INTO logs (run_id, level, source, message, timestamp) VALUES ('r', 'INFO', 's', 'one', 1), ('r', 'WARNING', 's', 'two', 2)",
      );

      migrate(state.storage);
      migrate(state.storage);

      expect(sql.exec("SELECT version FROM schema_version").toArray()).toEqual([{ version: 4 }]);
      // v3: the engine's lines of these entries were stored by the deploy that wrote them.
      expect(sql.exec("SELECT value FROM meta").toArray()).toEqual([{ value: "3" }]);
      const journal = new SqlJournal(state.storage);
      journal.append("r", [started("d"), completed("d")]);
      expect(journal.read("r").map((e) => (e as { stepId: string }).stepId)).toEqual([
        "a",
        "b",
        "c",
        "d",
        "d",
      ]);
      const logs = new SqlLogSink(state.storage);
      logs.write({ runId: "r", source: "s", level: "INFO", message: "three", timestamp: 3 });
      // Old lines keep their cursors; new rows are numbered after both tables' last.
      expect(logs.read().map((l) => [l.cursor, l.message])).toEqual([
        [1, "one"],
        [2, "two"],
        [6, "three"],
      ]);
      expect(logs.read({ minLevel: "WARNING" }).map((l) => l.message)).toEqual(["two"]);
      return shapeOf(state.storage);
    });
  });

  it("gives a new object the same tables as an upgraded one", async () => {
    const upgraded = await inFreshObject((storage) => {
      const sql = storage.sql;
      sql.exec(`DROP TABLE journal; DROP TABLE logs; DROP TABLE outbox; DROP TABLE meta;
        DROP TABLE leases;
        DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (1);
        CREATE TABLE journal (run_id TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL,
          PRIMARY KEY (run_id, seq));
        CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,
          step_id TEXT, level TEXT NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL,
          timestamp INTEGER NOT NULL);
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
          payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
      migrate(storage);
      return shapeOf(storage);
    });
    // From version 2 (the tables v3 keeps), with no run yet: v3 records nothing.
    const fromV2 = await inFreshObject((storage) => {
      storage.sql.exec(
        "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (2)",
      );
      migrate(storage);
      expect(storage.sql.exec("SELECT key FROM meta").toArray()).toEqual([]);
      return shapeOf(storage);
    });
    const fresh = await inFreshObject((storage) => shapeOf(storage));
    expect(upgraded).toEqual(fresh);
    expect(fromV2).toEqual(fresh);
    expect(Object.keys(fresh).sort()).toEqual([
      "journal",
      "leases",
      "logs",
      "meta",
      "outbox",
      "schema_version",
    ]);
  });
});

/** Each table's columns (name, type, not null, default, primary key) and indexes. */
function shapeOf(storage: DurableObjectStorage): Record<string, unknown> {
  const sql = storage.sql;
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
    )
    .toArray();
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      {
        columns: sql.exec(`PRAGMA table_info(${name})`).toArray(),
        indexes: sql
          .exec<{ name: string }>(`PRAGMA index_list(${name})`)
          .toArray()
          .map((i) => i.name),
      },
    ]),
  );
}

describe("SqlLogSink", () => {
  it("gives each line the next cursor, continuing after an earlier instance", async () => {
    await inFreshObject((storage) => {
      const line = (message: string) => ({
        runId: "r",
        source: "test",
        level: "INFO" as const,
        message,
        timestamp: 1,
      });
      const cursors: number[] = [];
      const first = new SqlLogSink(storage, (_record, cursor) => cursors.push(cursor));
      first.write(line("a"));
      first.write(line("b"));
      const second = new SqlLogSink(storage, (_record, cursor) => cursors.push(cursor));
      second.write(line("c"));
      expect(cursors).toEqual([1, 2, 3]);
      expect(second.read({ after: 1 }).map((l) => [l.cursor, l.message])).toEqual([
        [2, "b"],
        [3, "c"],
      ]);
    });
  });
});
