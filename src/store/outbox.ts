import type { Notification } from '../alerts/types.ts';
import {
  type AbandonedRequest,
  type ClaimRequest,
  type ExpireRequest,
  type OutboxEntry,
  type OutboxStatus,
  type OutboxStore,
  outboxId,
  type RetryUpdate,
} from '../notify/outbox/store.ts';
import type { Statement } from './driver.ts';
import type { Database } from './sqlite.ts';

interface Row {
  id: string;
  channel: string;
  rule: string;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  first_attempt_at: number | null;
  next_attempt_at: number;
  last_error: string | null;
  claimed_by: string | null;
  claimed_until: number | null;
  created_at: number;
  done_at: number | null;
}

const CLAIMABLE = `status = 'pending' AND next_attempt_at <= @now AND (claimed_by IS NULL OR claimed_until < @now)`;

/**
 * The channels with an entry due: each channel found by a seek on the pending index (the next name after
 * the last), then one seek for a due entry in it. Never a scan of every pending entry, which an alert
 * storm makes thousands long and which this runs after every commit.
 */
const DUE_CHANNELS = `
  WITH RECURSIVE names(channel) AS (
    SELECT (SELECT MIN(channel) FROM outbox INDEXED BY outbox_pending WHERE status = 'pending')
    UNION ALL
    SELECT (SELECT MIN(channel) FROM outbox INDEXED BY outbox_pending WHERE status = 'pending' AND channel > names.channel)
    FROM names WHERE names.channel IS NOT NULL
  )
  SELECT channel FROM names WHERE channel IS NOT NULL AND EXISTS (
    SELECT 1 FROM outbox INDEXED BY outbox_pending WHERE channel = names.channel AND ${CLAIMABLE}
  )`;

export type OutboxInserter = (notification: Notification, channels: readonly string[], now: number) => void;

/**
 * Stores a notification's entries (one per channel; ids already stored are left as they are), with a
 * statement prepared once. Inside the caller's transaction: the write-behind store commits them with
 * the alert state that produced them.
 */
export function outboxInserter(db: Database): OutboxInserter {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO outbox (id, notification_id, channel, rule, payload, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  return (notification, channels, now) => {
    const payload = JSON.stringify(notification);
    for (const channel of channels) {
      insert.run(
        outboxId(notification.id, channel),
        notification.id,
        channel,
        notification.rule,
        payload,
        now,
        now,
      );
    }
  };
}

/**
 * The outbox in `flowtel.db`. Claims run in `BEGIN IMMEDIATE` transactions: the write lock is taken
 * before the SELECT, so two processes can never lease the same row.
 */
export class SqliteOutboxStore implements OutboxStore {
  readonly #db: Database;
  readonly #ownsDb: boolean;
  #insert: OutboxInserter | undefined;
  readonly #claims = new Map<string, { select: Statement; lease: Statement }>();
  #dueChannels: Statement | undefined;

  /** `ownsDb`: close the database with the store. */
  constructor(db: Database, options: { ownsDb?: boolean } = {}) {
    this.#db = db;
    this.#ownsDb = options.ownsDb ?? false;
  }

  enqueue(notification: Notification, channels: readonly string[], now: number): void {
    this.#insert ??= outboxInserter(this.#db);
    const insert = this.#insert;
    this.#db.transaction(() => insert(notification, channels, now))();
  }

  claim(request: ClaimRequest): OutboxEntry[] {
    const { select, lease } = this.#claimStatements(request.channel !== undefined);
    const run = this.#db.transaction(() => {
      const params = { now: request.now, limit: request.limit };
      const rows = (
        request.channel === undefined
          ? select.all(params)
          : select.all({ ...params, channel: request.channel })
      ) as Row[];
      const until = request.now + request.leaseMs;
      const claimed: Row[] = [];
      for (const row of rows) {
        if (lease.run({ owner: request.owner, until, id: row.id, now: request.now }).changes === 1) {
          claimed.push({ ...row, claimed_by: request.owner, claimed_until: until });
        }
      }
      return claimed;
    });
    return run.immediate().map(toEntry);
  }

  dueChannels(now: number): string[] {
    this.#dueChannels ??= this.#db.prepare(DUE_CHANNELS);
    const rows = this.#dueChannels.all({ now }) as { channel: string }[];
    return rows.map((r) => r.channel);
  }

  /** Prepared once per shape: a claim runs for every message sent. */
  #claimStatements(byChannel: boolean): { select: Statement; lease: Statement } {
    const key = byChannel ? 'channel' : 'all';
    let statements = this.#claims.get(key);
    if (!statements) {
      // Pending entries in send order straight from their partial index: the scan stops after `limit`.
      const select = byChannel
        ? `SELECT * FROM outbox INDEXED BY outbox_pending WHERE ${CLAIMABLE} AND channel = @channel ORDER BY channel, created_at, id LIMIT @limit`
        : `SELECT * FROM outbox INDEXED BY outbox_pending_order WHERE ${CLAIMABLE} ORDER BY created_at, id LIMIT @limit`;
      statements = {
        select: this.#db.prepare(select),
        lease: this.#db.prepare(
          `UPDATE outbox SET claimed_by = @owner, claimed_until = @until WHERE id = @id AND ${CLAIMABLE}`,
        ),
      };
      this.#claims.set(key, statements);
    }
    return statements;
  }

  nextDueAt(channels?: readonly string[]): number | undefined {
    const inChannels =
      channels === undefined ? '' : `AND channel IN (${channels.map(() => '?').join(', ') || 'NULL'})`;
    const row = this.#db
      .prepare(
        `SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until + 1, 0))) AS at
         FROM outbox WHERE status = 'pending' ${inChannels}`,
      )
      .get(...(channels ?? [])) as { at: number | null };
    return row.at ?? undefined;
  }

  markSent(ids: readonly string[], _owner: string, now: number): void {
    this.#finish(ids, 'sent', null, now);
  }

  markFailed(ids: readonly string[], _owner: string, lastError: string, now: number): void {
    this.#finish(ids, 'failed', lastError, now);
  }

  scheduleRetry(ids: readonly string[], owner: string, update: RetryUpdate): void {
    const stmt = this.#db.prepare(
      `UPDATE outbox SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, @attemptAt),
         next_attempt_at = @next, last_error = @error, claimed_by = NULL, claimed_until = NULL
       WHERE id = @id AND status = 'pending' AND claimed_by = @owner`,
    );
    this.#db.transaction(() => {
      for (const id of ids) {
        stmt.run({
          id,
          owner,
          attemptAt: update.attemptAt,
          next: update.nextAttemptAt,
          error: update.lastError,
        });
      }
    })();
  }

  release(ids: readonly string[], owner: string): void {
    const stmt = this.#db.prepare(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ? AND status = 'pending' AND claimed_by = ?`,
    );
    this.#db.transaction(() => {
      for (const id of ids) stmt.run(id, owner);
    })();
  }

  /**
   * Reads the running leases without a write lock (the usual answer is "none gone"); frees each gone
   * one with a compare-and-set on its claimant and lease, so a lease renewed meanwhile is left alone.
   */
  releaseAbandoned({ now, isGone, reason }: AbandonedRequest): OutboxEntry[] {
    const leased = this.#db
      .prepare(
        `SELECT * FROM outbox WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_until >= ? ORDER BY created_at, id`,
      )
      .all(now) as Row[];
    const gone = leased.filter((row) => row.claimed_by !== null && isGone(row.claimed_by));
    if (gone.length === 0) return [];
    const free = this.#db.prepare(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, last_error = @reason
       WHERE id = @id AND status = 'pending' AND claimed_by = @owner AND claimed_until = @until`,
    );
    const run = this.#db.transaction(() =>
      gone.filter(
        (row) =>
          free.run({ id: row.id, owner: row.claimed_by, until: row.claimed_until, reason }).changes === 1,
      ),
    );
    return run
      .immediate()
      .map((row) => toEntry({ ...row, claimed_by: null, claimed_until: null, last_error: reason }));
  }

  get(id: string): OutboxEntry | undefined {
    const row = this.#db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toEntry(row);
  }

  list(filter: { status?: OutboxStatus } = {}): OutboxEntry[] {
    const rows =
      filter.status === undefined
        ? this.#db.prepare('SELECT * FROM outbox ORDER BY created_at, id').all()
        : this.#db
            .prepare('SELECT * FROM outbox WHERE status = ? ORDER BY created_at, id')
            .all(filter.status);
    return (rows as Row[]).map(toEntry);
  }

  prune(before: number): number {
    return this.#db.prepare(`DELETE FROM outbox WHERE status != 'pending' AND done_at < ?`).run(before)
      .changes;
  }

  expire({ createdBefore, now, reason, keep }: ExpireRequest): OutboxEntry[] {
    // The kept channels as one JSON parameter: one statement whatever their number.
    const stale = `status = 'pending' AND created_at < @createdBefore AND (claimed_by IS NULL OR claimed_until < @now)
      AND channel NOT IN (SELECT value FROM json_each(@keep))`;
    const select = this.#db.prepare(`SELECT * FROM outbox WHERE ${stale} ORDER BY created_at, id`);
    const update = this.#db.prepare(
      `UPDATE outbox SET status = 'failed', last_error = @reason, done_at = @now, claimed_by = NULL, claimed_until = NULL
       WHERE ${stale}`,
    );
    const run = this.#db.transaction(() => {
      const params = { createdBefore, now, keep: JSON.stringify(keep) };
      const rows = select.all(params) as Row[];
      update.run({ ...params, reason });
      return rows.map((row) =>
        toEntry({
          ...row,
          status: 'failed',
          last_error: reason,
          done_at: now,
          claimed_by: null,
          claimed_until: null,
        }),
      );
    });
    return run.immediate();
  }

  close(): void {
    if (this.#ownsDb && this.#db.open) this.#db.close();
  }

  /** Finishing does not require still holding the lease: the send happened, recording it is the truth. */
  #finish(ids: readonly string[], status: OutboxStatus, lastError: string | null, now: number): void {
    const stmt = this.#db.prepare(
      `UPDATE outbox SET status = @status, attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, @now),
         done_at = @now, last_error = @error, claimed_by = NULL, claimed_until = NULL
       WHERE id = @id AND status = 'pending'`,
    );
    this.#db.transaction(() => {
      for (const id of ids) stmt.run({ id, status, now, error: lastError });
    })();
  }
}

function toEntry(row: Row): OutboxEntry {
  return {
    id: row.id,
    channel: row.channel,
    rule: row.rule,
    notification: JSON.parse(row.payload) as Notification,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    ...(row.first_attempt_at === null ? {} : { firstAttemptAt: row.first_attempt_at }),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.claimed_by === null ? {} : { claimedBy: row.claimed_by }),
    ...(row.claimed_until === null ? {} : { claimedUntil: row.claimed_until }),
    ...(row.done_at === null ? {} : { doneAt: row.done_at }),
  };
}
