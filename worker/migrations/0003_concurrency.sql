-- Concurrency limits: the catalogue. Each limit's Durable Object (worker/limits/object.ts) is
-- the source of truth for admission and writes its row here on every change of configuration,
-- so the API can list limits and a task run can find which of its tags are limits in force
-- with one query. Limits Weir declares (`deployment:<id>`, `flow:<name>`, keyed ones) are
-- created on first use and listed too.
CREATE TABLE concurrency_limits (
  name TEXT PRIMARY KEY,
  limit_value INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  slot_decay_per_second REAL NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- A deployment's concurrency limit: at most `concurrency_limit` of its runs at once (null: no
-- limit); `collision_strategy` ENQUEUE makes a new run wait (AwaitingConcurrencySlot),
-- CANCEL_NEW cancels it; `concurrency_key` (a parameter's name or dotted path) makes the limit
-- apply per value of that parameter (at most N runs per customer id, say).
ALTER TABLE deployments ADD COLUMN concurrency_limit INTEGER;
ALTER TABLE deployments ADD COLUMN collision_strategy TEXT NOT NULL DEFAULT 'ENQUEUE';
ALTER TABLE deployments ADD COLUMN concurrency_key TEXT;
