-- Deployments: a flow with default parameters, schedules and a catch-up policy. `source` is
-- 'code' for deployments declared in the Worker's code (applied when a new version first runs,
-- see worker/deployments/apply_code.ts) and 'api' for ones created over the API.
CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  flow_name TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  version TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  parameters TEXT NOT NULL DEFAULT '{}',
  paused INTEGER NOT NULL DEFAULT 0,
  catch_up TEXT NOT NULL DEFAULT 'skip',
  source TEXT NOT NULL DEFAULT 'api',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (flow_name, name)
);

-- A deployment's schedules. The tick reads only rows with `due_at <= now` (active, and their
-- deployment not paused), so its cost follows the schedules that are due, not how many exist.
-- `scheduled_until` is the last time the scheduler has created a run for (the next run is the
-- schedule's first time after it); null before the first tick.
CREATE TABLE deployment_schedules (
  id TEXT PRIMARY KEY,
  deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  spec TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  scheduled_until INTEGER,
  due_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX deployment_schedules_due ON deployment_schedules (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX deployment_schedules_by_deployment ON deployment_schedules (deployment_id, position);

-- Runs carry the schedule that created them, so pausing or editing a schedule finds the runs
-- it had scheduled; runs by deployment list a deployment's upcoming and recent runs.
ALTER TABLE runs ADD COLUMN schedule_id TEXT;
CREATE INDEX runs_by_deployment ON runs (deployment_id, state_type, scheduled_at);
CREATE INDEX runs_by_schedule ON runs (schedule_id, state_type);
CREATE INDEX runs_late ON runs (state_type, scheduled_at) WHERE state_type = 'SCHEDULED';
-- The dashboard counts runs by when they are meant to start (scheduled, else created).
CREATE INDEX runs_by_expected ON runs (COALESCE(scheduled_at, created_at));

-- Facts about the Worker's installed state, such as the hash of the code-declared deployments
-- last applied.
CREATE TABLE weir_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
