// Worker tests run inside workerd (the Workers runtime) through Cloudflare's Vitest pool, with
// the Durable Objects, D1 and R2 that wrangler.toml declares, and D1 migrations applied first.
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: "./worker/test/test_app.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { TEST_MIGRATIONS: await readD1Migrations("./worker/migrations") },
      },
    })),
  ],
  test: {
    include: ["worker/test/**/*.test.ts"],
    setupFiles: ["./worker/test/setup.ts"],
  },
});
