-- The run index: one row per flow run, written from each run's Durable Object through its
-- outbox. The object is the source of truth; `version` (its journal length) keeps a late,
-- retried write from overwriting a newer one.
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  flow_name TEXT NOT NULL,
  name TEXT NOT NULL,
  deployment_id TEXT,
  parent_run_id TEXT,
  state_type TEXT NOT NULL,
  state_name TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  idempotency_key TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  scheduled_at INTEGER,
  started_at INTEGER,
  ended_at INTEGER,
  version INTEGER NOT NULL
);
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_flow ON runs (flow_name, created_at DESC);
CREATE INDEX runs_by_state ON runs (state_type, created_at DESC);
CREATE INDEX runs_by_parent ON runs (parent_run_id);

-- Task result caches, shared across runs.
CREATE TABLE cache_entries (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
