/**
 * Schema of `flowtel.db`, as an append-only list: migration N brings `user_version` from N-1 to N.
 * Never edit a released step; add one. Every table of every concept lives here so that two processes
 * of different versions agree on one `user_version`.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the notification outbox. One row per notification × channel, stored before it is sent.
  `CREATE TABLE outbox (
     id               TEXT PRIMARY KEY,      -- notification id + '/' + channel name
     notification_id  TEXT NOT NULL,
     channel          TEXT NOT NULL,
     rule             TEXT NOT NULL,
     payload          TEXT NOT NULL,         -- the Notification as JSON
     status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
     attempts         INTEGER NOT NULL DEFAULT 0,
     first_attempt_at INTEGER,
     next_attempt_at  INTEGER NOT NULL,
     last_error       TEXT,
     claimed_by       TEXT,
     claimed_until    INTEGER,
     created_at       INTEGER NOT NULL,
     done_at          INTEGER
   );
   CREATE INDEX outbox_due ON outbox (status, next_attempt_at);`,
  // 2: the rules engine's per-identity alert state, so a restart neither repeats nor forgets an alert.
  `CREATE TABLE alert_state (
     fingerprint TEXT PRIMARY KEY,
     rule        TEXT NOT NULL,
     state       TEXT NOT NULL,              -- the engine's AlertState as JSON
     updated_at  INTEGER NOT NULL
   );
   CREATE INDEX alert_state_rule ON alert_state (rule);`,
  // 3: serve's run history. A run's summary and the rest of its record as JSON (secrets redacted), with
  // the columns the API filters and sorts by: newest first by sort time (started, else scheduled, else
  // first heard), by flow, state type or state name (and a flow's runs by state type), each paged by (sort_at, id) without OFFSET.
  `CREATE TABLE runs (
     id            TEXT PRIMARY KEY,
     flow          TEXT NOT NULL,
     state_type    TEXT NOT NULL,
     state_name    TEXT NOT NULL,
     sort_at       INTEGER NOT NULL,
     started_at_ms INTEGER,
     ended_at_ms   INTEGER,                -- NULL while the run is in flight
     summary       TEXT NOT NULL,          -- the RunSummary as JSON
     extra         TEXT NOT NULL           -- params, parent run, and what the fold needs to resume
   );
   CREATE INDEX runs_by_time ON runs (sort_at, id);
   CREATE INDEX runs_by_flow ON runs (flow, sort_at, id);
   CREATE INDEX runs_by_flow_type ON runs (flow, state_type, sort_at, id);
   CREATE INDEX runs_by_type ON runs (state_type, sort_at, id);
   CREATE INDEX runs_by_name ON runs (state_name, sort_at, id);
   CREATE INDEX runs_by_end ON runs (ended_at_ms);
   CREATE TABLE task_runs (
     run_id TEXT NOT NULL,
     id     TEXT NOT NULL,
     body   TEXT NOT NULL,                 -- the TaskRunView as JSON
     PRIMARY KEY (run_id, id)
   ) WITHOUT ROWID;
   CREATE TABLE run_transitions (
     run_id  TEXT NOT NULL,
     ordinal INTEGER NOT NULL,             -- the order the run heard its transitions in
     seq     INTEGER NOT NULL,
     verdict INTEGER NOT NULL,             -- 1: serve's Crashed verdict, not the run's own transition
     record  TEXT NOT NULL,                -- the TransitionRecord as JSON
     PRIMARY KEY (run_id, ordinal)
   ) WITHOUT ROWID;`,
  // 4: serve's small tables: the last slot each schedule dealt with (catch-up after a restart), the
  // silences created over the API (they survive a restart), and the per-flow locks that keep two
  // cron-started copies of a flow from overlapping (`flowtel run --lock`).
  `CREATE TABLE schedule_marks (
     flow        TEXT NOT NULL,
     schedule_id TEXT NOT NULL,
     slot_at     INTEGER NOT NULL,
     PRIMARY KEY (flow, schedule_id)
   ) WITHOUT ROWID;
   CREATE TABLE silences (
     id         TEXT PRIMARY KEY,
     body       TEXT NOT NULL,               -- the silence as JSON
     created_at INTEGER NOT NULL
   );
   CREATE TABLE flow_locks (
     flow       TEXT PRIMARY KEY,
     pid        INTEGER NOT NULL,
     host       TEXT NOT NULL,
     run_id     TEXT,
     since      INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // 5: the outbox's pending entries per channel in the order they are sent, so a claim reads the next
  // few instead of sorting every pending entry (thousands, in an alert storm) for each message.
  `CREATE INDEX outbox_pending ON outbox (channel, created_at, id) WHERE status = 'pending';
   CREATE INDEX outbox_pending_order ON outbox (created_at, id) WHERE status = 'pending';`,
  // 6: the run UI's data (issue 14). Every task run of an ended run, first-attempt successes included,
  // as one compact JSON row per run with its grid cells (one char per column of its flow); a flow's
  // task columns once, in the order they first appeared; an index that covers the stats' GROUP BY.
  `CREATE TABLE run_task_runs (
     run_id TEXT PRIMARY KEY,
     cells  TEXT NOT NULL,                 -- one cell char per flow_tasks ordinal (see task-cells.ts)
     body   TEXT NOT NULL                  -- the StoredTimeline as JSON (large: a rowid table suits it)
   );
   CREATE TABLE flow_tasks (
     flow    TEXT NOT NULL,
     ordinal INTEGER NOT NULL,
     task    TEXT NOT NULL,
     PRIMARY KEY (flow, ordinal)
   ) WITHOUT ROWID;
   CREATE INDEX runs_stats ON runs (flow, sort_at, state_type, started_at_ms, ended_at_ms);`,
  // 7: run logs (the `log.info` records serve hears over OTLP, oldest first by their per-run seq, with
  // how many a run kept and dropped past its cap), and alert events (fired, repeated, resolved,
  // acknowledged), listed per run, per flow and newest first, pruned by age.
  `CREATE TABLE run_logs (
     run_id      TEXT NOT NULL,
     seq         INTEGER NOT NULL,
     at_ms       INTEGER NOT NULL,
     level       INTEGER NOT NULL,       -- 0 DEBUG, 1 INFO, 2 WARN, 3 ERROR
     body        TEXT NOT NULL,          -- redacted, at most 8 KiB
     task        TEXT,
     task_run_id TEXT,
     attempt     INTEGER,
     attributes  TEXT NOT NULL,          -- flat JSON object of strings, numbers, booleans
     PRIMARY KEY (run_id, seq)
   ) WITHOUT ROWID;
   CREATE TABLE run_log_counts (
     run_id      TEXT PRIMARY KEY,
     kept        INTEGER NOT NULL,
     dropped     INTEGER NOT NULL,
     last_at_ms  INTEGER NOT NULL
   );
   CREATE INDEX run_log_counts_by_time ON run_log_counts (last_at_ms);
   CREATE TABLE alert_events (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     at_ms       INTEGER NOT NULL,
     fingerprint TEXT NOT NULL,
     rule        TEXT NOT NULL,
     flow        TEXT,
     run_id      TEXT,
     kind        TEXT NOT NULL CHECK (kind IN ('firing', 'repeat', 'resolved', 'acknowledged')),
     severity    TEXT,
     summary     TEXT NOT NULL
   );
   CREATE INDEX alert_events_by_run ON alert_events (run_id, id);
   CREATE INDEX alert_events_by_flow ON alert_events (flow, id);
   CREATE INDEX alert_events_by_time ON alert_events (at_ms);`,
];
