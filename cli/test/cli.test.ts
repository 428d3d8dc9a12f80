// The `weir` CLI as a user runs it (a child process, through cli/bin.mjs as `npx weir` does)
// against the real Worker under `wrangler dev`: every command, `--json` parsed, exit codes for
// a completed, a failed and a cancelled watched run, a server that is down, a wrong token, and
// bad arguments.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Flow } from "../../protocol/flow.ts";
import type { LogLine } from "../../protocol/log.ts";
import type { RunDetail, RunSummary } from "../../protocol/run.ts";
import {
  type DevServer,
  FACT,
  type FactServer,
  freePort,
  startFactServer,
  startServer,
  waitFor,
  weir,
} from "./server.ts";

describe("weir against a local Worker", { timeout: 600_000 }, () => {
  let server: DevServer;
  let facts: FactServer;
  let configDir: string;
  let env: Record<string, string>;
  const runs: { completed?: string; failed?: string; cancelled?: string } = {};

  before(async () => {
    [server, facts] = await Promise.all([startServer(), startFactServer()]);
    configDir = mkdtempSync(join(tmpdir(), "weir-cli-config-"));
    env = { WEIR_API_URL: server.url, WEIR_CONFIG_DIR: configDir };
  });
  after(async () => {
    await Promise.all([server?.stop(), facts?.close()]);
    rmSync(configDir, { recursive: true, force: true });
  });

  const json = <T>(text: string): T => JSON.parse(text) as T;

  test("flow ls and inspect, as tables and as JSON", async () => {
    const listed = await weir(["flow", "ls", "--json"], env);
    assert.equal(listed.code, 0, listed.stderr);
    const names = json<Flow[]>(listed.stdout).map((f) => f.name);
    assert.ok(names.includes("cat-fact") && names.includes("elevator"), names.join());

    const table = await weir(["flow", "ls"], env);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME\s+VERSION\s+TAGS\s+PARAMETERS\s+DESCRIPTION/);
    assert.match(table.stdout, /\ncat-fact\s+/);
    assert.ok(!table.stdout.includes("\u001b["), "no colour when stdout is not a terminal");

    const inspected = await weir(["flow", "inspect", "cat-fact", "--json"], env);
    assert.equal(json<Flow>(inspected.stdout).name, "cat-fact");
    const shown = await weir(["flow", "inspect", "cat-fact"], env);
    assert.match(shown.stdout, /url\?: string = "https:\/\/catfact\.ninja\/fact"/);
  });

  test("an unknown flow exits 2 and lists the known ones", async () => {
    const result = await weir(["flow", "inspect", "cat-fakt"], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /No flow named 'cat-fakt'.*cat-fact/);
    const run = await weir(["flow", "run", "cat-fakt"], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /elevator/);
  });

  test("flow visualize draws a flow's graph without running it (Mermaid, DOT, JSON)", async () => {
    const before = await weir(["flow-run", "ls", "--flow", "main-flow", "--json"], env);
    const mermaid = await weir(["flow", "visualize", "main-flow"], env);
    assert.equal(mermaid.code, 0, mermaid.stderr);
    assert.match(mermaid.stdout, /^flowchart TD\n/);
    assert.match(mermaid.stdout, /subgraph n\d+\["subflow data-engineer"\]/);
    const dot = await weir(["flow", "visualize", "main-flow", "--format", "dot"], env);
    assert.match(dot.stdout, /^digraph "main-flow" \{/);
    const graph = json<{ nodes: { kind: string }[] }>(
      (await weir(["flow", "visualize", "main-flow", "--json"], env)).stdout,
    );
    assert.ok(graph.nodes.some((n) => n.kind === "subflow"));
    const after = await weir(["flow-run", "ls", "--flow", "main-flow", "--json"], env);
    assert.equal(after.stdout, before.stdout, "drawing the flow created no run");
    const bad = await weir(["flow", "visualize", "main-flow", "--format", "png"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be one of mermaid, dot, json/);
  });

  test("a watched run that completes exits 0 and shows each task's states", async () => {
    facts.mode = "ok";
    const result = await weir(
      ["flow", "run", "cat-fact", "--param", `url=${facts.url}`, "--tag", "cli", "--watch"],
      env,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /task 'call-api\S*' is Completed/);
    assert.match(result.stdout, /task 'parse-fact\S*' is Completed/);
    const id = /\(([0-9a-f-]{36})\) ended Completed/.exec(result.stdout)?.[1];
    assert.ok(id, result.stdout);
    runs.completed = id;
  });

  test("a watched run that fails exits 1", async () => {
    facts.mode = "404";
    const result = await weir(
      ["flow", "run", "cat-fact", "--param", `url=${facts.url}`, "--watch", "--json"],
      env,
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const run = json<RunDetail>(result.stdout);
    assert.equal(run.state?.type, "FAILED");
    runs.failed = run.id;
    facts.mode = "ok";
  });

  test("a watched run that is cancelled exits 1; send-event reaches a running run", async () => {
    facts.mode = "hold";
    const created = await weir(
      ["flow", "run", "cat-fact", "--param", `url=${facts.url}`, "--name", "held", "--json"],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const id = json<RunDetail>(created.stdout).id;
    const watching = weir(["flow-run", "watch", id], env);
    await waitFor("the run to be Running", async () => {
      const r = await weir(["flow-run", "inspect", id, "--json"], env);
      return json<RunDetail>(r.stdout).state?.type === "RUNNING" ? true : undefined;
    });
    const sent = await weir(
      ["flow-run", "send-event", id, "nudge", "--data", '{"n":1}', "--json"],
      env,
    );
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(json<RunDetail>(sent.stdout).id, id);
    const cancelled = await weir(["flow-run", "cancel", id, "--reason", "test"], env);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /Flow run 'held'/);
    const watched = await watching;
    assert.equal(watched.code, 1, watched.stdout + watched.stderr);
    assert.match(watched.stdout, /ended Cancelled/);
    runs.cancelled = id;
    facts.mode = "ok";
  });

  test("flow-run ls filters, limits and prints JSON", async () => {
    const all = await weir(["flow-run", "ls", "--json"], env);
    assert.equal(all.code, 0, all.stderr);
    const listed = json<RunSummary[]>(all.stdout);
    assert.ok(listed.length >= 3);
    const done = await weir(["flow-run", "ls", "--state", "completed", "--json"], env);
    const completed = json<RunSummary[]>(done.stdout);
    assert.ok(completed.length >= 1);
    assert.ok(completed.every((r) => r.state.type === "COMPLETED"));
    const one = await weir(["flow-run", "ls", "--limit", "1", "--flow", "cat-fact", "--json"], env);
    assert.equal(json<RunSummary[]>(one.stdout).length, 1);
    const recent = await weir(["flow-run", "ls", "--since", "1h", "--json"], env);
    assert.equal(json<RunSummary[]>(recent.stdout).length, listed.length);
    const table = await weir(["flow-run", "ls"], env);
    assert.match(table.stdout, /^ID\s+NAME\s+FLOW\s+STATE\s+CREATED\s+DURATION/);
    assert.match(table.stdout, /Cancelled/);
    assert.match(table.stdout, /\d+s ago|just now/);
  });

  test("flow-run inspect and logs", async () => {
    const id = runs.completed as string;
    const shown = await weir(["flow-run", "inspect", id], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /State\s+Completed/);
    assert.match(shown.stdout, /STEP\s+KIND\s+STATE\s+ATTEMPTS\s+DURATION/);
    assert.match(shown.stdout, /call-api\S*\s+task\s+Completed\s+1/);
    const detail = json<RunDetail>((await weir(["flow-run", "inspect", id, "--json"], env)).stdout);
    assert.equal(detail.result, FACT);

    const logs = await weir(["flow-run", "logs", id, "--json"], env);
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stdout
      .trim()
      .split("\n")
      .map((l) => json<LogLine>(l));
    assert.ok(lines.some((l) => l.message === FACT));
    const info = await weir(["flow-run", "logs", id, "--level", "WARNING", "--json"], env);
    for (const l of info.stdout.trim().split("\n").filter(Boolean)) {
      assert.ok(["WARNING", "ERROR", "CRITICAL"].includes(json<LogLine>(l).level));
    }
    const task = await weir(["flow-run", "logs", id, "--task", "parse-fact"], env);
    assert.match(task.stdout, new RegExp(FACT));
    assert.doesNotMatch(task.stdout, /GET .* answered 200/);
    const followed = await weir(["flow-run", "logs", id, "--follow"], env);
    assert.equal(followed.code, 0);
    assert.match(followed.stdout, /INFO\s+.*answered 200/);
    const noTask = await weir(["flow-run", "logs", id, "--task", "nope"], env);
    assert.equal(noTask.code, 2);
    assert.match(noTask.stderr, /parse-fact/);
  });

  test("retry a failed run, then watch it complete; send-event to a finished run fails", async () => {
    const id = runs.failed as string;
    const retried = await weir(["flow-run", "retry", id, "--json"], env);
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(json<RunDetail>(retried.stdout).id, id);
    const watched = await weir(["flow-run", "watch", id], env);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    const late = await weir(["flow-run", "send-event", id, "nudge"], env);
    assert.equal(late.code, 1);
    assert.match(late.stderr, /409.*already finished/);
  });

  test("a value the API refuses (422) exits 2 and names the parameter", async () => {
    const result = await weir(["flow", "run", "cat-fact", "--param", "url=not a url"], env);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /Invalid value 'parameters\.url'/);
  });

  test("--params-file, --at, --idempotency-key", async () => {
    const file = join(configDir, "params.json");
    writeFileSync(file, JSON.stringify({ url: facts.url }));
    const args = ["flow", "run", "cat-fact", "--params-file", file, "--at", "+1h"];
    const a = await weir([...args, "--idempotency-key", "k1", "--json"], env);
    assert.equal(a.code, 0, a.stderr);
    const run = json<RunDetail>(a.stdout);
    assert.deepEqual(run.parameters, { url: facts.url });
    assert.equal(run.state?.type, "SCHEDULED");
    const b = await weir([...args, "--idempotency-key", "k1", "--json"], env);
    assert.equal(json<RunDetail>(b.stdout).id, run.id);
    const human = await weir(
      ["flow", "run", "cat-fact", "--params-file", file, "--at", "+1h"],
      env,
    );
    assert.match(
      human.stdout,
      /Created flow run .* Scheduled\nFollow it with: weir flow-run watch /,
    );
  });

  test("bad arguments exit 2 with a message", async () => {
    const cases: [string[], RegExp][] = [
      [["flow", "run"], /missing required argument 'name'/],
      [["flow", "lss"], /unknown command 'lss'/],
      [["flow", "run", "cat-fact", "--param", "url"], /--param needs KEY=VALUE/],
      [["flow", "run", "cat-fact", "--at", "tomorrow"], /--at needs/],
      [["flow", "run", "cat-fact", "--params-file", "/nonexistent.json"], /Cannot read/],
      [["flow-run", "ls", "--limit", "zero"], /--limit must be/],
      [["flow-run", "ls", "--state", "DONE"], /--state must be one of/],
      [["flow-run", "logs", "x", "--level", "LOUD"], /--level must be one of/],
      [["flow-run", "send-event", "x", "n", "--data", "{bad"], /--data must be JSON/],
      [["flow-run", "inspect", "not-a-uuid"], /id/],
      [["config", "set", "colour", "x"], /Unknown config key 'colour'/],
      [[], /Usage: weir/],
    ];
    for (const [args, message] of cases) {
      const result = await weir(args, env);
      assert.equal(result.code, 2, `weir ${args.join(" ")}: ${result.stdout}${result.stderr}`);
      assert.match(result.stdout + result.stderr, message, `weir ${args.join(" ")}`);
    }
    const help = await weir(["flow-run", "logs", "--help"], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Example:\n {2}\$ weir flow-run logs/);
  });

  test("config set|unset|use|view, with env vars overriding the profile", async () => {
    const bare = { WEIR_CONFIG_DIR: configDir };
    assert.equal((await weir(["config", "set", "api-url", server.url], bare)).code, 0);
    const view = json<Record<string, unknown>>(
      (await weir(["config", "view", "--json"], bare)).stdout,
    );
    assert.equal(view.apiUrl, server.url);
    assert.equal(view.apiUrlFrom, "profile");
    assert.equal((await weir(["flow", "ls", "--json"], bare)).code, 0);

    const overridden = { ...bare, WEIR_API_URL: "http://127.0.0.1:9" };
    const envView = json<Record<string, unknown>>(
      (await weir(["config", "view", "--json"], overridden)).stdout,
    );
    assert.equal(envView.apiUrl, "http://127.0.0.1:9");
    assert.equal(envView.apiUrlFrom, "env");

    await weir(["config", "set", "token", "s3cret", "--profile", "prod"], bare);
    const prod = await weir(["config", "view", "--profile", "prod"], bare);
    assert.match(prod.stdout, /token\s+\*{8}\s+\(from profile\)/);
    assert.doesNotMatch(prod.stdout, /s3cret/);
    assert.equal((await weir(["config", "use", "prod"], bare)).code, 0);
    const used = json<Record<string, unknown>>(
      (await weir(["config", "view", "--json", "--show-token"], bare)).stdout,
    );
    assert.equal(used.profile, "prod");
    assert.equal(used.token, "s3cret");
    await weir(["config", "use", "default"], bare);
    assert.equal((await weir(["config", "unset", "api-url"], bare)).code, 0);
    const unset = json<Record<string, unknown>>(
      (await weir(["config", "view", "--json"], bare)).stdout,
    );
    assert.equal(unset.apiUrl, "http://127.0.0.1:8787");
    assert.equal(unset.apiUrlFrom, "default");
  });

  test("a server that is down exits 3, names the URL and says what to do", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    for (const args of [
      ["flow", "ls"],
      ["flow-run", "watch", runs.completed as string],
    ]) {
      const result = await weir(args, { ...env, WEIR_API_URL: down });
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, new RegExp(`Could not reach the Weir API at ${down}`));
      assert.match(result.stderr, /npm start/);
      assert.match(result.stderr, /weir config set api-url/);
    }
  });
});

describe("weir against a Worker with a token", { timeout: 300_000 }, () => {
  let server: DevServer;
  let facts: FactServer;
  let configDir: string;
  before(async () => {
    [server, facts] = await Promise.all([startServer({ token: "s3cret" }), startFactServer()]);
    configDir = mkdtempSync(join(tmpdir(), "weir-cli-config-"));
  });
  after(async () => {
    await Promise.all([server?.stop(), facts?.close()]);
    rmSync(configDir, { recursive: true, force: true });
  });

  test("a wrong or missing token exits 3 and suggests `weir config set token`", async () => {
    for (const token of ["wrong", undefined]) {
      const env: Record<string, string> = { WEIR_API_URL: server.url, WEIR_CONFIG_DIR: configDir };
      if (token !== undefined) env.WEIR_API_TOKEN = token;
      const result = await weir(["flow", "ls"], env);
      assert.equal(result.code, 3, result.stderr);
      assert.match(result.stderr, /refused the request \(401/);
      assert.match(result.stderr, /weir config set token/);
    }
  });

  test("the right token (from the profile) runs and watches a flow over the live feed", async () => {
    const env = { WEIR_API_URL: server.url, WEIR_CONFIG_DIR: configDir };
    assert.equal((await weir(["config", "set", "token", "s3cret"], env)).code, 0);
    const result = await weir(
      ["flow", "run", "cat-fact", "--param", `url=${facts.url}`, "--watch"],
      env,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /ended Completed/);
  });
});
