#!/usr/bin/env node
// `npm start`: builds the web UI (ui/ into ui/dist, which wrangler.toml's [assets] serves),
// applies the D1 migrations to the local database, then serves the Worker with `wrangler dev`
// (Miniflare), keeping all state under .wrangler/state so runs survive restarts.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const wrangler = `${root}node_modules/.bin/wrangler`;

const build = spawnSync(process.execPath, [`${root}scripts/build-ui.mjs`], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
if (build.status !== 0) {
  console.error("npm start: building the UI failed; see above");
  process.exit(build.status ?? 1);
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: root,
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
if (migrate.status !== 0) {
  console.error("npm start: applying the D1 migrations failed; see above");
  process.exit(migrate.status ?? 1);
}

const args = ["dev", "--local", "--port", process.env.PORT ?? "8787", ...process.argv.slice(2)];
const dev = spawn(wrangler, args, { cwd: root, env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
