#!/usr/bin/env node
// Builds the web UI (ui/) into ui/dist, the directory wrangler.toml's [assets] serves: esbuild
// bundles ui/src/main.tsx and ui/src/styles.css into content-hashed files under assets/, and
// index.html is written with their names. Everything in ui/public is copied as is.
//
//   node scripts/build-ui.mjs            # minified, with source maps
//   node scripts/build-ui.mjs --watch    # rebuild on change (next to `npm start`)
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const ui = join(root, "ui");
const dist = join(ui, "dist");
const watch = process.argv.includes("--watch");

/** Writes index.html and copies ui/public once esbuild has written the bundles. */
function finish(metafile) {
  const outputs = Object.entries(metafile.outputs);
  const find = (entry) => {
    const found = outputs.find(([, o]) => o.entryPoint === `ui/src/${entry}`);
    if (found === undefined) throw new Error(`build-ui: no output for ui/src/${entry}`);
    return `/${relative(dist, join(root, found[0])).split("\\").join("/")}`;
  };
  const html = readFileSync(join(ui, "index.html"), "utf8")
    .replace("%SCRIPT%", find("main.tsx"))
    .replace("%STYLES%", find("styles.css"));
  writeFileSync(join(dist, "index.html"), html);
  // A rebuild in watch mode leaves the previous hashes behind: drop them.
  const current = new Set(outputs.map(([file]) => basename(file)));
  for (const file of readdirSync(join(dist, "assets"))) {
    if (!current.has(file)) rmSync(join(dist, "assets", file));
  }
  if (existsSync(join(ui, "public"))) cpSync(join(ui, "public"), dist, { recursive: true });
  const sizes = outputs
    .filter(([file]) => !file.endsWith(".map"))
    .map(([file, o]) => `${basename(file)} ${(o.bytes / 1024).toFixed(1)} KiB`);
  console.log(`build-ui: ui/dist: ${sizes.join(", ")}`);
}

// Not emptied first: a `wrangler dev` serving ui/dist (npm start) dies if its assets directory
// disappears, so new files are written over the old and stale bundles are removed after.
mkdirSync(join(dist, "assets"), { recursive: true });

/** @type {import("esbuild").BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: ["ui/src/main.tsx", "ui/src/styles.css"],
  outdir: "ui/dist/assets",
  entryNames: "[name]-[hash]",
  bundle: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: !watch,
  sourcemap: "linked",
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
  plugins: [
    {
      name: "weir-index-html",
      setup(build) {
        build.onEnd((result) => {
          if (result.errors.length === 0 && result.metafile) finish(result.metafile);
        });
      },
    },
  ],
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
  console.log("build-ui: watching ui/src");
} else {
  await esbuild.build(options);
}
