// Worker tests run inside workerd (the Workers runtime) through Cloudflare's Vitest pool, with
// the Durable Objects, D1 and R2 that wrangler.toml declares, and D1 migrations applied first.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// wrangler.toml serves the built UI as static assets, and its directory must exist for the
// config to load: build it when it is missing (a fresh clone running `vitest` directly).
if (!existsSync("./ui/dist/index.html")) {
  const build = spawnSync(process.execPath, ["scripts/build-ui.mjs"], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("Building the UI (scripts/build-ui.mjs) failed");
}

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: "./worker/test/test_app.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations("./worker/migrations"),
          // Runs start from their alarm, so tests drive them step by step; start_inline.test.ts
          // covers the default (a due run starts inside its create call) with an env override.
          WEIR_START_RUNS: "alarm",
          // Concurrency leases expire fast, so a test of a holder that died waits 1.5 s of
          // (fake or real) time, not a minute.
          WEIR_LEASE_TTL_MS: "1500",
        },
      },
    })),
  ],
  test: {
    include: ["worker/test/**/*.test.ts"],
    setupFiles: ["./worker/test/setup.ts"],
  },
});
