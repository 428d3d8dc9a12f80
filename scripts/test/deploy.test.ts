// `npm run deploy -- --dry-run`: builds, bundles and prints the plan without an account.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deploy = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, "scripts", "deploy.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "" },
  });

test("--dry-run builds the UI, bundles the Worker and prints every remote step", {
  timeout: 240_000,
}, () => {
  const result = deploy("--dry-run");
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  for (const planned of [
    "wrangler d1 list --json",
    "wrangler d1 create weir",
    "wrangler r2 bucket create weir-results",
    "wrangler d1 migrations apply DB --remote -c wrangler.deploy.toml",
    "wrangler secret list",
  ]) {
    assert.ok(result.stdout.includes(planned), `plans: ${planned}\n${result.stdout}`);
  }
  assert.match(result.stdout, /Dry run done: the Worker bundles/);
  const written = readFileSync(join(root, "wrangler.deploy.toml"), "utf8");
  assert.match(written, /^# Written by `npm run deploy`/);
  assert.match(written, /database_id = "00000000-0000-0000-0000-000000000000"/);
  assert.doesNotMatch(written, /weir-local/);
  // Both Durable Objects, and the migration that creates the concurrency limits' class.
  assert.match(written, /name = "FLOW_RUNS"\nclass_name = "FlowRun"/);
  assert.match(written, /name = "CONCURRENCY_LIMITS"\nclass_name = "ConcurrencyLimit"/);
  assert.match(written, /tag = "v2"\nnew_sqlite_classes = \["ConcurrencyLimit"\]/);
});

test("an unknown argument exits 2 with the usage", () => {
  const result = deploy("--prod");
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown argument --prod/);
  assert.match(result.stderr, /usage: npm run deploy/);
});
