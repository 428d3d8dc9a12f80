#!/usr/bin/env node
// `npm run deploy`: puts this Worker on Cloudflare in one command. It builds the UI, finds or
// creates the D1 database and the R2 bucket that wrangler.toml names, writes
// wrangler.deploy.toml (wrangler.toml with the database's real id, so the checked-in file keeps
// its local placeholder), applies the D1 migrations remotely, and deploys. It warns when the
// API token secret is not set, since the API is then open to anyone.
//
//   npm run deploy                 # needs `npx wrangler login` (or CLOUDFLARE_API_TOKEN) first
//   npm run deploy -- --dry-run    # everything that needs no account: build, bundle, print the plan
//
// Exit codes: 0 deployed (or planned), 1 a step failed (its output is shown), 2 bad arguments.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const DEPLOY_CONFIG = "wrangler.deploy.toml";

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--dry-run" && a !== "--help" && a !== "-h");
if (args.includes("--help") || args.includes("-h") || unknown.length > 0) {
  if (unknown.length > 0) console.error(`npm run deploy: unknown argument ${unknown.join(" ")}`);
  console.error("usage: npm run deploy [-- --dry-run]");
  process.exit(unknown.length > 0 ? 2 : 0);
}
const dryRun = args.includes("--dry-run");

/** The one value of `key = "..."` in a TOML section of wrangler.toml (enough for our file). */
function tomlValue(text, section, key) {
  const start = text.indexOf(section);
  if (start === -1) return undefined;
  const rest = text.slice(start + section.length);
  const end = rest.search(/^\[/m);
  const body = end === -1 ? rest : rest.slice(0, end);
  return new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, "m").exec(body)?.[1];
}

const config = readFileSync(join(root, "wrangler.toml"), "utf8");
const workerName = /^name\s*=\s*"([^"]+)"/m.exec(config)?.[1] ?? "weir";
const databaseName = tomlValue(config, "[[d1_databases]]", "database_name");
const bucketName = tomlValue(config, "[[r2_buckets]]", "bucket_name");
if (databaseName === undefined || bucketName === undefined) {
  console.error(
    "npm run deploy: wrangler.toml must declare a [[d1_databases]] and an [[r2_buckets]]",
  );
  process.exit(1);
}

// The Durable Objects the Worker needs: one per run, one per concurrency limit. A config
// without one of them would deploy a Worker that fails at its first run or its first limit.
for (const [binding, className] of [
  ["FLOW_RUNS", "FlowRun"],
  ["CONCURRENCY_LIMITS", "ConcurrencyLimit"],
]) {
  const bound = new RegExp(
    `^name\\s*=\\s*"${binding}"\\s*\nclass_name\\s*=\\s*"${className}"`,
    "m",
  );
  if (!bound.test(config)) {
    console.error(
      `npm run deploy: wrangler.toml must bind the ${binding} durable object to class "${className}" (with a [[migrations]] entry for it)`,
    );
    process.exit(1);
  }
}

function step(title) {
  console.log(`\n▸ ${title}`);
}

/** Runs wrangler; on failure prints its output and what to do, and exits 1. */
function run(argv, { capture = false, allowFailure = false } = {}) {
  const result = spawnSync(wrangler, argv, {
    cwd: root,
    env,
    encoding: "utf8",
    stdio: capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0 && !allowFailure) {
    if (capture) process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    console.error(
      `npm run deploy: \`wrangler ${argv.join(" ")}\` failed. If it is about authentication, run \`npx wrangler login\` or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.`,
    );
    process.exit(1);
  }
  return result;
}

function planned(argv) {
  console.log(`  (dry run) would run: wrangler ${argv.join(" ")}`);
}

step("Building the UI (ui/ → ui/dist)");
const build = spawnSync(process.execPath, [join(root, "scripts", "build-ui.mjs")], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
if (build.status !== 0) {
  console.error("npm run deploy: building the UI failed; see above");
  process.exit(1);
}

step(`Finding the D1 database '${databaseName}'`);
let databaseId = "00000000-0000-0000-0000-000000000000";
if (dryRun) {
  planned(["d1", "list", "--json"]);
  planned(["d1", "create", databaseName, "(if it is not listed)"]);
} else {
  const listed = JSON.parse(run(["d1", "list", "--json"], { capture: true }).stdout);
  let found = listed.find((db) => db.name === databaseName);
  if (found === undefined) {
    console.log(`  not found: creating it`);
    run(["d1", "create", databaseName], { capture: true });
    const again = JSON.parse(run(["d1", "list", "--json"], { capture: true }).stdout);
    found = again.find((db) => db.name === databaseName);
  }
  if (found?.uuid === undefined) {
    console.error(`npm run deploy: D1 database '${databaseName}' has no id after creating it`);
    process.exit(1);
  }
  databaseId = found.uuid;
  console.log(`  ${databaseName}: ${databaseId}`);
}

step(`Writing ${DEPLOY_CONFIG} (wrangler.toml with the database's id)`);
const deployConfig = config.replace(
  /^(database_id\s*=\s*)"[^"]*"/m,
  (_, prefix) => `${prefix}"${databaseId}"`,
);
writeFileSync(
  join(root, DEPLOY_CONFIG),
  `# Written by \`npm run deploy\` from wrangler.toml; edit wrangler.toml instead.\n${deployConfig}`,
);

step(`Finding the R2 bucket '${bucketName}'`);
if (dryRun) {
  planned(["r2", "bucket", "info", bucketName]);
  planned(["r2", "bucket", "create", bucketName, "(if it does not exist)"]);
} else if (
  run(["r2", "bucket", "info", bucketName], { capture: true, allowFailure: true }).status !== 0
) {
  console.log("  not found: creating it");
  run(["r2", "bucket", "create", bucketName]);
}

step("Applying the D1 migrations to the remote database");
const migrate = ["d1", "migrations", "apply", "DB", "--remote", "-c", DEPLOY_CONFIG];
if (dryRun) planned(migrate);
else run(migrate);

step("Checking the WEIR_API_TOKEN secret");
if (dryRun) {
  planned(["secret", "list", "-c", DEPLOY_CONFIG]);
} else {
  const secrets = run(["secret", "list", "--format", "json", "-c", DEPLOY_CONFIG], {
    capture: true,
    allowFailure: true,
  });
  const names = secrets.status === 0 ? JSON.parse(secrets.stdout).map((s) => s.name) : [];
  if (!names.includes("WEIR_API_TOKEN")) {
    console.warn(
      `  WARNING: WEIR_API_TOKEN is not set, so the API will be open to anyone who finds the URL.\n  Set it with: npx wrangler secret put WEIR_API_TOKEN -c ${DEPLOY_CONFIG}`,
    );
  } else {
    console.log("  set");
  }
}

step(dryRun ? "Bundling the Worker (wrangler deploy --dry-run)" : `Deploying '${workerName}'`);
if (dryRun) {
  const outdir = mkdtempSync(join(tmpdir(), "weir-deploy-"));
  try {
    run(["deploy", "--dry-run", "--outdir", outdir, "-c", DEPLOY_CONFIG]);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  console.log(
    "\nDry run done: the Worker bundles and the plan above is what `npm run deploy` does.",
  );
} else {
  run(["deploy", "-c", DEPLOY_CONFIG]);
  console.log(
    `\nDeployed. Open the URL above; set WEIR_API_URL to it and WEIR_API_TOKEN to the token for the CLI.`,
  );
}
