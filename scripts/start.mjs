#!/usr/bin/env node
// `npm start`: builds the web UI (ui/ into ui/dist, which wrangler.toml's [assets] serves),
// applies the D1 migrations to the local database, then serves the Worker with `wrangler dev`
// (Miniflare), keeping all state under .wrangler/state so runs survive restarts.
//
// `wrangler dev` runs no Cron Triggers by itself, so this script fires the Worker's scheduled
// handler (the scheduler's tick) at every minute boundary, as Cloudflare does, by requesting
// `/__scheduled?cron=*+*+*+*+*`, which `wrangler dev --test-scheduled` answers with it. A person
// can fire one too: `curl "http://localhost:8787/__scheduled?cron=*+*+*+*+*"`, or
// `weir scheduler tick`. WEIR_CRON=off leaves the ticks to you.
//
// It also starts the reddit example's storage API (examples/reddit/storage/node.ts, port 9001,
// posts appended to .wrangler/reddit/posts.csv), which the deployed reddit pipeline stores its
// posts through. WEIR_EXAMPLE_STORAGE=off leaves it out; a port already taken is reported and
// `npm start` carries on without it.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const wrangler = `${root}node_modules/.bin/wrangler`;
const port = process.env.PORT ?? "8787";
const extra = process.argv.slice(2);

const build = spawnSync(process.execPath, [`${root}scripts/build-ui.mjs`], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
if (build.status !== 0) {
  console.error("npm start: building the UI failed; see above");
  process.exit(build.status ?? 1);
}

// A `--persist-to DIR` given to `npm start` must reach the migrations too.
const persistAt = extra.indexOf("--persist-to");
const persist = persistAt >= 0 ? extra.slice(persistAt, persistAt + 2) : [];
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...persist], {
  cwd: root,
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
if (migrate.status !== 0) {
  console.error("npm start: applying the D1 migrations failed; see above");
  process.exit(migrate.status ?? 1);
}

const args = ["dev", "--local", "--port", port, "--test-scheduled", ...extra];
const dev = spawn(wrangler, args, { cwd: root, env, stdio: "inherit" });
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    storage?.kill(signal);
    dev.kill(signal);
  });
}
/** @type {import("node:child_process").ChildProcess | undefined} */
let storage;
if (process.env.WEIR_EXAMPLE_STORAGE !== "off") {
  storage = spawn(process.execPath, ["--import", "tsx", `${root}examples/reddit/storage/node.ts`], {
    cwd: root,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  storage.on("exit", (code) => {
    if (!stopping && code !== 0) {
      console.error("npm start: the reddit example's storage API stopped; the Worker goes on");
    }
  });
}
dev.on("exit", (code) => {
  storage?.kill("SIGTERM");
  process.exit(code ?? 0);
});

const CRON_URL = `http://127.0.0.1:${port}/__scheduled?cron=*+*+*+*+*`;

/** Fires the scheduled handler once; false when the server does not answer (yet). */
async function fire() {
  try {
    const res = await fetch(CRON_URL, { signal: AbortSignal.timeout(55_000) });
    await res.arrayBuffer();
    if (!res.ok) console.error(`npm start: the scheduler's tick answered ${res.status}`);
    return res.ok;
  } catch {
    return false;
  }
}

/** Fires the tick at the start of every minute, like the `* * * * *` Cron Trigger. */
function everyMinute() {
  const wait = 60_000 - (Date.now() % 60_000);
  const timer = setTimeout(async () => {
    if (stopping) return;
    await fire();
    everyMinute();
  }, wait);
  timer.unref();
}

if (process.env.WEIR_CRON !== "off") {
  // One tick as soon as the server answers (runs that fell due while it was off start now),
  // then at every minute boundary.
  const started = Date.now();
  let trying = false;
  const first = setInterval(async () => {
    if (stopping || Date.now() - started > 120_000) return clearInterval(first);
    if (trying) return;
    trying = true;
    const up = await fire();
    trying = false;
    if (up) {
      clearInterval(first);
      console.log("npm start: the scheduler ticks every minute (Cron Trigger * * * * *)");
    }
  }, 1_000);
  first.unref();
  everyMinute();
}
