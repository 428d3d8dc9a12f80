// `weir concurrency-limit ...` and the concurrency options of `weir deployment create|update`
// as a user runs them (a child process) against the real Worker under `wrangler dev`: create,
// ls, inspect (holders and waiters in order), update, reset, delete, with --json parsed; the
// 409, 404 and reserved-prefix answers as messages with exit code 2; and a deployment whose
// limit of 1 makes a second run wait, then `deployment update --concurrency-limit 2` admitting it.
// The first block checks option parsing and the human view without a server.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ConcurrencyLimit } from "../../protocol/concurrency.ts";
import type { Deployment } from "../../protocol/deployment.ts";
import type { RunDetail } from "../../protocol/run.ts";
import { limitText } from "../commands/concurrency_limit.ts";
import {
  deploymentLimitFields,
  deploymentLimitText,
  parseDecay,
  parseLimit,
  parseStrategy,
} from "../limit_options.ts";
import { UsageError } from "../usage_error.ts";
import { type DevServer, startServer, weir } from "./server.ts";

describe("concurrency options and formatting", () => {
  test("limits, decay rates and strategies parse, or are usage errors naming the flag", () => {
    assert.equal(parseLimit("0", "LIMIT"), 0);
    assert.equal(parseLimit("1000000", "LIMIT"), 1_000_000);
    for (const bad of ["-1", "1.5", "two", "", "1000001", "1e3"]) {
      assert.throws(
        () => parseLimit(bad, "--limit"),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.match(e.message, /^--limit must be a whole number/);
          return true;
        },
      );
    }
    assert.equal(parseDecay("0.5"), 0.5);
    assert.throws(() => parseDecay("-1"), UsageError);
    assert.throws(() => parseDecay("fast"), UsageError);
    assert.equal(parseStrategy("cancel_new"), "CANCEL_NEW");
    assert.equal(parseStrategy("cancel-new"), "CANCEL_NEW");
    assert.throws(() => parseStrategy("CANCEL_OLD"), /ENQUEUE, CANCEL_NEW/);
  });

  test("a deployment's concurrency options become its body's fields", () => {
    assert.deepEqual(deploymentLimitFields({}), {});
    assert.deepEqual(
      deploymentLimitFields({
        concurrencyLimit: "2",
        collisionStrategy: "enqueue",
        concurrencyKey: "customer.id",
      }),
      { concurrencyLimit: 2, collisionStrategy: "ENQUEUE", concurrencyKey: "customer.id" },
    );
    assert.deepEqual(deploymentLimitFields({ concurrencyLimit: false, concurrencyKey: false }), {
      concurrencyLimit: null,
      concurrencyKey: null,
    });
    assert.equal(
      deploymentLimitText({
        concurrencyLimit: 1,
        collisionStrategy: "CANCEL_NEW",
        concurrencyKey: "c",
      }),
      "1 run at once per value of c (others are cancelled)",
    );
    assert.equal(
      deploymentLimitText({
        concurrencyLimit: null,
        collisionStrategy: "ENQUEUE",
        concurrencyKey: null,
      }),
      "none",
    );
  });

  test("inspect shows holders with their lease expiry and waiters in order", () => {
    const now = 1_000_000_000_000;
    const text = limitText(
      { color: false },
      {
        name: "db",
        limit: 1,
        active: true,
        slotDecayPerSecond: 0,
        slotsHeld: 1,
        holders: [
          {
            leaseId: "r1/3/1/db",
            runId: "run-1",
            stepId: "3",
            label: "load-3",
            occupy: 1,
            scope: "step",
            acquiredAt: now - 5000,
            expiresAt: now + 55_000,
          },
        ],
        waiters: [
          {
            leaseId: "a",
            runId: "run-2",
            stepId: null,
            label: "second",
            occupy: 1,
            position: 1,
            enqueuedAt: now - 3000,
          },
          {
            leaseId: "b",
            runId: "run-3",
            stepId: null,
            label: "third",
            occupy: 1,
            position: 2,
            enqueuedAt: now - 1000,
          },
        ],
        createdAt: now - 60_000,
        updatedAt: now - 60_000,
      },
      now,
    );
    assert.match(text, /^Concurrency limit\s+db\nSlots held\s+1\/1\n/);
    assert.match(
      text,
      /HOLDER RUN\s+LABEL\s+STEP\s+SLOTS\s+LEASE EXPIRES\nrun-1\s+load-3\s+3\s+1\s+in 55s/,
    );
    assert.match(
      text,
      /#\s+WAITING RUN\s+LABEL\s+STEP\s+SLOTS\s+SINCE\n1\s+run-2\s+second\s+-\s+1\s+3s ago\n2\s+run-3\s+third/,
    );
  });
});

describe("weir concurrency-limit against a local Worker", { timeout: 600_000 }, () => {
  let server: DevServer;
  let configDir: string;
  let env: Record<string, string>;

  before(async () => {
    server = await startServer();
    configDir = mkdtempSync(join(tmpdir(), "weir-cli-config-"));
    env = { WEIR_API_URL: server.url, WEIR_CONFIG_DIR: configDir };
  });
  after(async () => {
    await server?.stop();
    if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true });
  });

  /** Runs weir, asserts exit 0, answers its stdout as JSON. */
  const weirJson = async <T>(args: string[]): Promise<T> => {
    const result = await weir(args, env);
    assert.equal(result.code, 0, `weir ${args.join(" ")}: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };
  /** Runs weir and asserts it failed with exit 2 and this message. */
  const refused = async (args: string[], message: RegExp) => {
    const result = await weir(args, env);
    assert.equal(result.code, 2, `weir ${args.join(" ")}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, message);
  };

  test("create, ls, inspect, update, reset, delete", async () => {
    const created = await weirJson<ConcurrencyLimit>([
      "concurrency-limit",
      "create",
      "cli-db",
      "2",
      "--json",
    ]);
    assert.equal(created.limit, 2);
    const human = await weir(
      [
        "concurrency-limit",
        "create",
        "cli-api",
        "10",
        "--slot-decay-per-second",
        "2",
        "--inactive",
      ],
      env,
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /Created concurrency limit 'cli-api': 10 slots, freeing 2\/s \(inactive\)/,
    );

    const listed = await weirJson<ConcurrencyLimit[]>(["concurrency-limit", "ls", "--json"]);
    assert.deepEqual(
      listed.map((l) => l.name).filter((n) => n.startsWith("cli-")),
      ["cli-api", "cli-db"],
    );
    const table = await weir(["concurrency-limit", "ls"], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+HELD\s+ACTIVE\s+DECAY\/S\s+HOLDERS\s+WAITING/);
    assert.match(table.stdout, /\ncli-api\s+0\/10\s+no\s+2\s+0\s+0/);
    assert.match(table.stdout, /\ncli-db\s+0\/2\s+yes\s+-\s+0\s+0/);

    const shown = await weir(["concurrency-limit", "inspect", "cli-db"], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Concurrency limit\s+cli-db\nSlots held\s+0\/2/);
    assert.match(shown.stdout, /No holders\.\n\nNo waiters\./);

    const updated = await weirJson<ConcurrencyLimit>([
      "concurrency-limit",
      "update",
      "cli-api",
      "--limit",
      "3",
      "--active",
      "--slot-decay-per-second",
      "0",
      "--json",
    ]);
    assert.deepEqual([updated.limit, updated.active, updated.slotDecayPerSecond], [3, true, 0]);
    const reset = await weir(["concurrency-limit", "reset", "cli-db"], env);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /Reset concurrency limit 'cli-db': 0\/2 held now, 0 waiting/);

    const deleted = await weir(["concurrency-limit", "delete", "cli-api"], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted concurrency limit 'cli-api'/);
  });

  test("refusals are messages with exit code 2", async () => {
    await weirJson(["concurrency-limit", "create", "cli-taken", "1", "--json"]);
    await refused(
      ["concurrency-limit", "create", "cli-taken", "1"],
      /already exists.*update cli-taken/,
    );
    await refused(
      ["concurrency-limit", "inspect", "cli-nobody"],
      /No concurrency limit 'cli-nobody'\. Known limits: .*cli-taken/,
    );
    await refused(
      ["concurrency-limit", "delete", "cli-nobody"],
      /No concurrency limit 'cli-nobody'/,
    );
    await refused(
      ["concurrency-limit", "create", "deployment:x", "1"],
      /Invalid value 'name'.*reserved/,
    );
    await refused(["concurrency-limit", "create", "cli-x", "1.5"], /LIMIT must be a whole number/);
    await refused(["concurrency-limit", "update", "cli-taken"], /Nothing to change/);
    await refused(
      ["concurrency-limit", "update", "cli-taken", "--active", "--inactive"],
      /not both/,
    );
  });

  test("a deployment's limit: a second run waits, and raising the limit admits it", async () => {
    // customer-sync waits for the event named by `waitFor`, so its run holds its slot.
    const d = await weirJson<Deployment>([
      "deployment",
      "create",
      "customer-sync/cli-limited",
      "--param",
      "waitFor=go",
      "--concurrency-limit",
      "1",
      "--collision-strategy",
      "enqueue",
      "--json",
    ]);
    assert.deepEqual(
      [d.concurrencyLimit, d.collisionStrategy, d.concurrencyKey],
      [1, "ENQUEUE", null],
    );
    const shown = await weir(["deployment", "inspect", "customer-sync/cli-limited"], env);
    assert.match(shown.stdout, /Concurrency\s+1 run at once \(others wait\)/);

    // Different customers, so the flow's own per-customer limit holds neither back.
    const run = (customer: string) =>
      weirJson<RunDetail>([
        "deployment",
        "run",
        "customer-sync/cli-limited",
        "--param",
        `customerId=${customer}`,
        "--json",
      ]);
    const first = await run("a");
    const second = await run("b");
    const limitName = `deployment:${d.id}`;
    const limitOf = () =>
      server.api<ConcurrencyLimit>(`/api/concurrency-limits/${encodeURIComponent(limitName)}`);
    let limit = await limitOf();
    for (let i = 0; i < 50 && limit.waiters.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      limit = await limitOf();
    }
    assert.deepEqual(
      limit.holders.map((h) => h.runId),
      [first.id],
      JSON.stringify(limit),
    );
    assert.deepEqual(
      limit.waiters.map((w) => w.runId),
      [second.id],
      JSON.stringify(limit),
    );
    const inspect = await weir(["concurrency-limit", "inspect", limitName], env);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, new RegExp(`HOLDER RUN.*\\n${first.id}\\s`));
    assert.match(inspect.stdout, new RegExp(`WAITING RUN.*\\n1\\s+${second.id}\\s`));

    const updated = await weir(
      ["deployment", "update", "customer-sync/cli-limited", "--concurrency-limit", "2"],
      env,
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /concurrency limit 2 runs at once \(others wait\)/);
    limit = await limitOf();
    assert.deepEqual(limit.waiters, []);
    assert.deepEqual(limit.holders.map((h) => h.runId).sort(), [first.id, second.id].sort());

    for (const id of [first.id, second.id]) {
      await weirJson(["flow-run", "send-event", id, "go", "--json"]);
      const watched = await weirJson<RunDetail>(["flow-run", "watch", id, "--json"]);
      assert.equal(watched.state?.type, "COMPLETED");
    }
    const cleared = await weirJson<Deployment>([
      "deployment",
      "update",
      "customer-sync/cli-limited",
      "--no-concurrency-limit",
      "--json",
    ]);
    assert.equal(cleared.concurrencyLimit, null);
  });
});
