#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: runtime/) with Node's test runner,
// loading tsx so Node 20 can run TypeScript. Node 20's `--test` does not expand globs itself
// (glob patterns arrived in Node 21), so this script finds the files.
//
//   node scripts/node-test.mjs [folder...] [-- extra node args]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const folders = (split === -1 ? argv : argv.slice(0, split)).filter(Boolean);
const extra = split === -1 ? [] : argv.slice(split + 1);
if (folders.length === 0) folders.push("runtime");

const skip = new Set(["node_modules", ".wrangler", "dist", "coverage", ".git"]);

/** @param {string} dir @returns {string[]} */
function findTests(dir) {
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) out.push(...findTests(path));
    } else if (entry.isFile() && entry.name.endsWith(".test.ts")) {
      out.push(path);
    }
  }
  return out;
}

/** @type {string[]} */
const files = [];
for (const folder of folders) {
  const dir = join(root, folder);
  if (!existsSync(dir)) {
    console.error(`node-test: folder not found: ${folder}`);
    process.exit(1);
  }
  files.push(...findTests(dir).map((f) => relative(root, f)));
}
files.sort();

if (files.length === 0) {
  console.error(`node-test: no *.test.ts files found under ${folders.join(", ")}`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...extra, ...files],
  {
    cwd: root,
    stdio: "inherit",
  },
);
if (result.error) {
  console.error(`node-test: could not start node: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
