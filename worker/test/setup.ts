import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Idempotent: applyD1Migrations records what it applied.
await applyD1Migrations(
  (env as unknown as { DB: D1Database }).DB,
  (env as unknown as { TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).TEST_MIGRATIONS,
);

await (env as unknown as { DB: D1Database }).DB.exec(
  "CREATE TABLE IF NOT EXISTS executions (key TEXT PRIMARY KEY, n INTEGER NOT NULL)",
);
