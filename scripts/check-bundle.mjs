#!/usr/bin/env node
// Bundles the Worker exactly as `wrangler deploy` would (--dry-run, nothing is uploaded) and
// fails if the compressed script is over the 3 MiB free-plan limit. Prints both sizes, and the
// static assets' (the built UI in ui/dist, which do not count toward the script's limit); the
// figures in docs/BENCHMARKS.md come from this script.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

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

// The assets wrangler read, and what a browser downloads for the UI (script and styles).
const assets = /Read (\d+) files? from the assets directory/.exec(output);
if (assets !== null) {
  const dir = join(root, "ui/dist/assets");
  const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f));
  const sizes = files.map((f) => {
    const bytes = readFileSync(join(dir, f));
    return `${f} ${(bytes.length / 1024).toFixed(1)} KiB (gzip ${(gzipSync(bytes).length / 1024).toFixed(1)} KiB)`;
  });
  console.log(`check-bundle: ${assets[1]} static asset files; the UI loads ${sizes.join(", ")}`);
}
