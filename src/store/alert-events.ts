import { processSecrets } from '../secrets.ts';
import { CommitLoop } from './commit-loop.ts';
import type { Database, Statement, Transaction } from './sqlite.ts';

export type AlertEventKind = 'firing' | 'repeat' | 'resolved' | 'acknowledged';

/** What happened to one alert, as serve records it (the alert's own summary, already one line). */
export interface AlertEventInput {
  readonly atMs: number;
  readonly fingerprint: string;
  readonly rule: string;
  readonly flow: string | null;
  readonly runId: string | null;
  readonly kind: AlertEventKind;
  readonly severity: string | null;
  readonly summary: string;
}

export interface StoredAlertEvent {
  readonly id: number;
  readonly at: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly flow: string | null;
  readonly runId: string | null;
  readonly kind: AlertEventKind;
  readonly severity: string | null;
  readonly summary: string;
}

interface EventRow {
  id: number;
  at_ms: number;
  fingerprint: string;
  rule: string;
  flow: string | null;
  run_id: string | null;
  kind: AlertEventKind;
  severity: string | null;
  summary: string;
}

/** Events waiting for a commit past this (the file refusing writes for long) are dropped. */
const MAX_PENDING = 50_000;

/**
 * Alert events in `flowtel.db` (table `alert_events`), written behind like alert state: `add` pushes
 * onto a list, the next turn commits it. The id is the row's, so it is known once stored; `add` calls
 * back with the stored event (for the live stream). Summaries are redacted before they are stored.
 */
export class SqliteAlertEvents {
  readonly #db: Database;
  readonly #loop: CommitLoop;
  readonly #insert: Statement;
  readonly #commitBatch: Transaction<(batch: readonly AlertEventInput[]) => StoredAlertEvent[]>;
  readonly #onStored: (event: StoredAlertEvent) => void;
  #pending: AlertEventInput[] = [];

  constructor(
    db: Database,
    options: {
      busyTimeoutMs: number;
      log: (line: string) => void;
      onStored?: (event: StoredAlertEvent) => void;
    },
  ) {
    this.#db = db;
    this.#onStored = options.onStored ?? (() => {});
    this.#insert = db.prepare(
      `INSERT INTO alert_events (at_ms, fingerprint, rule, flow, run_id, kind, severity, summary)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#commitBatch = db.transaction((batch: readonly AlertEventInput[]) =>
      batch.map((event) => {
        const summary = processSecrets().redact(event.summary);
        const { lastInsertRowid } = this.#insert.run(
          event.atMs,
          event.fingerprint,
          event.rule,
          event.flow,
          event.runId,
          event.kind,
          event.severity,
          summary,
        );
        return viewOf({ ...event, summary }, Number(lastInsertRowid));
      }),
    );
    this.#loop = new CommitLoop({
      db,
      busyTimeoutMs: options.busyTimeoutMs,
      log: options.log,
      commit: () => this.#commit(),
      isEmpty: () => this.#pending.length === 0,
      describe: () => `${this.#pending.length} alert event(s)`,
    });
  }

  add(event: AlertEventInput): void {
    if (this.#pending.length < MAX_PENDING) this.#pending.push(event);
    this.#loop.schedule();
  }

  /** A run's events, oldest first. */
  ofRun(runId: string): StoredAlertEvent[] {
    const rows = this.#db
      .prepare('SELECT * FROM alert_events WHERE run_id = ? ORDER BY id')
      .all(runId) as EventRow[];
    return rows.map(rowView);
  }

  /** Newest first, `limit` at a time, after `cursor` (the last id of the page before). */
  history(query: { flow?: string; limit: number; cursor?: number }): {
    events: StoredAlertEvent[];
    nextCursor: string | null;
  } {
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: query.limit + 1 };
    if (query.flow !== undefined) {
      where.push('flow = @flow');
      args.flow = query.flow;
    }
    if (query.cursor !== undefined) {
      where.push('id < @before');
      args.before = query.cursor;
    }
    const rows = this.#db
      .prepare(
        `SELECT * FROM alert_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`,
      )
      .all(args) as EventRow[];
    const events = rows.slice(0, query.limit).map(rowView);
    return { events, nextCursor: rows.length > query.limit ? String(events.at(-1)?.id) : null };
  }

  /** Deletes the events older than `beforeMs` (kept as long as runs are). */
  prune(beforeMs: number): number {
    return this.#db.prepare('DELETE FROM alert_events WHERE at_ms < ?').run(beforeMs).changes;
  }

  flush(timeoutMs: number): Promise<boolean> {
    return this.#loop.flush(timeoutMs);
  }

  close(): void {
    this.#loop.close();
  }

  #commit(): void {
    const stored = this.#commitBatch.immediate(this.#pending);
    this.#pending = [];
    for (const event of stored) this.#onStored(event);
  }
}

function viewOf(event: AlertEventInput, id: number): StoredAlertEvent {
  return {
    id,
    at: new Date(event.atMs).toISOString(),
    fingerprint: event.fingerprint,
    rule: event.rule,
    flow: event.flow,
    runId: event.runId,
    kind: event.kind,
    severity: event.severity,
    summary: event.summary,
  };
}

function rowView(row: EventRow): StoredAlertEvent {
  return {
    id: row.id,
    at: new Date(row.at_ms).toISOString(),
    fingerprint: row.fingerprint,
    rule: row.rule,
    flow: row.flow,
    runId: row.run_id,
    kind: row.kind,
    severity: row.severity,
    summary: row.summary,
  };
}
