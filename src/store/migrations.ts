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
];
