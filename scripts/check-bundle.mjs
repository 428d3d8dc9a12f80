#!/usr/bin/env node
// Bundles the Worker exactly as `wrangler deploy` would (--dry-run, nothing is uploaded) and
// fails if the compressed script is over the 3 MiB free-plan limit. Prints both sizes; the
// figures in docs/BENCHMARKS.md come from this script.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const LIMIT_KIB = 3 * 1024;
const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), "weir-bundle-"));
const result = spawnSync(
  join(root, "node_modules/.bin/wrangler"),
  ["deploy", "--dry-run", "--outdir", outdir],
  { cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
rmSync(outdir, { recursive: true, force: true });
const output = `${result.stdout}\n${result.stderr}`;
const match = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
if (result.status !== 0 || match === null) {
  console.error(`check-bundle: wrangler deploy --dry-run failed:\n${output}`);
  process.exit(1);
}
const [, total, gzip] = match;
if (Number(gzip) > LIMIT_KIB) {
  console.error(
    `check-bundle: the Worker is ${gzip} KiB compressed, over the ${LIMIT_KIB} KiB limit`,
  );
  process.exit(1);
}
console.log(
  `check-bundle: Worker bundle ${total} KiB, ${gzip} KiB gzip (limit ${LIMIT_KIB} KiB gzip)`,
);
