// SqlJournal and SqlLogSink beyond the journal contract: how many rows and statements a task
// step costs, and that what is held back to share a statement is never reordered or lost to a
// reader.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Completed, type JournalEntry, Running } from "../../runtime/mod.ts";
import { migrate } from "../storage/schema.ts";
import { SqlJournal } from "../storage/sql_journal.ts";
import { SqlLogSink } from "../storage/sql_logs.ts";
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

function rowsOf(storage: DurableObjectStorage, runId: string): { seq: number; type: string }[] {
  return storage.sql
    .exec<{ seq: number; entry: string }>(
      "SELECT seq, entry FROM journal WHERE run_id = ? ORDER BY seq",
      runId,
    )
    .toArray()
    .map((row) => ({ seq: row.seq, type: (JSON.parse(row.entry) as JournalEntry).type }));
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

      expect(sql.exec("SELECT version FROM schema_version").toArray()).toEqual([{ version: 3 }]);
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
