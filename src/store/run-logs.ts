import { RecentMap } from '../recent-map.ts';
import { processSecrets } from '../secrets.ts';
import { CommitLoop } from './commit-loop.ts';
import type { Database, Statement, Transaction } from './sqlite.ts';

/** The levels a run log has on the API, lowest first (their index is what the table keeps). */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** At most this many characters of a body are kept (8 KiB of text); the rest is cut with a marker. */
export const MAX_LOG_BODY = 8 * 1024;
/** At most this many log records are kept per run; the rest are counted as dropped. */
export const MAX_LOGS_PER_RUN = 20_000;
/** Records waiting for a commit past this (the file refusing writes for long) are dropped and counted. */
const MAX_PENDING = 100_000;
/** Runs whose counts are remembered between commits. */
const KNOWN_RUNS = 10_000;

/** One run log as ingest hands it over (attributes already flat, body not yet capped or redacted). */
export interface IncomingRunLog {
  readonly runId: string;
  readonly atMs: number;
  readonly level: LogLevel;
  readonly body: string;
  readonly task: string | null;
  readonly taskRunId: string | null;
  readonly attempt: number | null;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface StoredRunLog {
  readonly seq: number;
  readonly at: string;
  readonly level: LogLevel;
  readonly body: string;
  readonly task: string | null;
  readonly taskRunId: string | null;
  readonly attempt: number | null;
  readonly attributes: Record<string, string | number | boolean>;
}

export interface RunLogQuery {
  /** Case-insensitive substring of the body; `%` and `_` are literal. */
  readonly q?: string;
  /** The lowest level listed. */
  readonly level?: LogLevel;
  readonly task?: string;
  readonly attempt?: number;
  readonly limit: number;
  /** The `nextCursor` of the page before (the last seq it listed). */
  readonly cursor?: string;
}

export interface RunLogPage {
  readonly logs: StoredRunLog[];
  readonly nextCursor: string | null;
  /** Records of the run not kept (past the per-run cap). */
  readonly dropped: number;
}

interface Counts {
  kept: number;
  dropped: number;
}

interface LogRow {
  seq: number;
  at_ms: number;
  level: number;
  body: string;
  task: string | null;
  task_run_id: string | null;
  attempt: number | null;
  attributes: string;
}

/**
 * Run logs in `flowtel.db` (table `run_logs`), written behind: `add` only pushes onto a list, and the
 * next turn of the event loop commits the list in one transaction, numbering each run's records
 * (`seq`) and counting what goes past the per-run cap. Bodies and attribute values are redacted of
 * every secret this process knows (channel webhooks, SMTP passwords, the API token) before they are
 * stored, so nothing read back can hold one.
 */
export class SqliteRunLogs {
  readonly #db: Database;
  readonly #loop: CommitLoop;
  readonly #commitBatch: Transaction<(batch: readonly IncomingRunLog[]) => Map<string, Counts>>;
  readonly #insert: Statement;
  readonly #counts: Statement;
  readonly #saveCounts: Statement;
  /** Counts of the runs logging lately, so a commit reads a run's counts once. */
  #known = new RecentMap<string, Counts>(KNOWN_RUNS);
  #pending: IncomingRunLog[] = [];
  #droppedPending = new Map<string, number>();

  constructor(db: Database, options: { busyTimeoutMs: number; log: (line: string) => void }) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO run_logs (run_id, seq, at_ms, level, body, task, task_run_id, attempt, attributes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#counts = db.prepare('SELECT kept, dropped FROM run_log_counts WHERE run_id = ?');
    this.#saveCounts = db.prepare(
      `INSERT INTO run_log_counts (run_id, kept, dropped, last_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET kept = excluded.kept, dropped = excluded.dropped,
         last_at_ms = max(last_at_ms, excluded.last_at_ms)`,
    );
    this.#commitBatch = db.transaction((batch: readonly IncomingRunLog[]) => this.#write(batch));
    this.#loop = new CommitLoop({
      db,
      busyTimeoutMs: options.busyTimeoutMs,
      log: options.log,
      commit: () => this.#commit(),
      isEmpty: () => this.#pending.length === 0 && this.#droppedPending.size === 0,
      describe: () => `${this.#pending.length} run log record(s)`,
    });
  }

  /** Takes a record to store on the next turn; never touches the file. */
  add(record: IncomingRunLog): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.#droppedPending.set(record.runId, (this.#droppedPending.get(record.runId) ?? 0) + 1);
    } else this.#pending.push(record);
    this.#loop.schedule();
  }

  page(runId: string, query: RunLogQuery): RunLogPage {
    const where = ['run_id = @runId'];
    const args: Record<string, unknown> = { runId, limit: query.limit + 1 };
    if (query.cursor !== undefined) {
      where.push('seq > @after');
      args.after = Number(query.cursor);
    }
    if (query.level !== undefined) {
      where.push('level >= @level');
      args.level = LOG_LEVELS.indexOf(query.level);
    }
    if (query.task !== undefined) {
      where.push('task = @task');
      args.task = query.task;
    }
    if (query.attempt !== undefined) {
      where.push('attempt = @attempt');
      args.attempt = query.attempt;
    }
    if (query.q !== undefined) {
      // LIKE is case-insensitive for ASCII; the wildcards of q are escaped so they match themselves.
      where.push("body LIKE @q ESCAPE '\\'");
      args.q = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const rows = this.#db
      .prepare(`SELECT * FROM run_logs WHERE ${where.join(' AND ')} ORDER BY seq LIMIT @limit`)
      .all(args) as LogRow[];
    const more = rows.length > query.limit;
    const logs = rows.slice(0, query.limit).map(view);
    const counts = this.#counts.get(runId) as Counts | undefined;
    return {
      logs,
      nextCursor: more ? String(logs.at(-1)?.seq) : null,
      dropped: (counts?.dropped ?? 0) + (this.#droppedPending.get(runId) ?? 0),
    };
  }

  /** Deletes the logs of runs the history no longer holds whose last log is older than `beforeMs`. */
  prune(beforeMs: number): number {
    const gone = `SELECT run_id FROM run_log_counts WHERE last_at_ms < @before
                    AND run_id NOT IN (SELECT id FROM runs)`;
    const step = this.#db.transaction(() => {
      const removed = this.#db
        .prepare(`DELETE FROM run_logs WHERE run_id IN (${gone})`)
        .run({ before: beforeMs }).changes;
      this.#db.prepare(`DELETE FROM run_log_counts WHERE run_id IN (${gone})`).run({ before: beforeMs });
      return removed;
    });
    this.#known = new RecentMap<string, Counts>(KNOWN_RUNS);
    return step.immediate();
  }

  flush(timeoutMs: number): Promise<boolean> {
    return this.#loop.flush(timeoutMs);
  }

  close(): void {
    this.#loop.close();
  }

  #commit(): void {
    const counts = this.#commitBatch.immediate(this.#pending);
    // Remembered once stored: a refused commit leaves the counts as the file has them.
    for (const [runId, count] of counts) this.#known.set(runId, count);
    this.#pending = [];
    this.#droppedPending = new Map();
  }

  #write(batch: readonly IncomingRunLog[]): Map<string, Counts> {
    const touched = new Map<string, { counts: Counts; lastAt: number }>();
    const countsOf = (runId: string, atMs: number) => {
      let entry = touched.get(runId);
      if (entry === undefined) {
        const counts = {
          ...(this.#known.get(runId) ??
            (this.#counts.get(runId) as Counts | undefined) ?? { kept: 0, dropped: 0 }),
        };
        entry = { counts, lastAt: atMs };
        touched.set(runId, entry);
      }
      entry.lastAt = Math.max(entry.lastAt, atMs);
      return entry.counts;
    };
    const secrets = processSecrets();
    for (const record of batch) {
      const counts = countsOf(record.runId, record.atMs);
      if (counts.kept >= MAX_LOGS_PER_RUN) {
        counts.dropped++;
        continue;
      }
      counts.kept++;
      this.#insert.run(
        record.runId,
        counts.kept,
        record.atMs,
        LOG_LEVELS.indexOf(record.level),
        secrets.redact(capped(record.body)),
        record.task,
        record.taskRunId,
        record.attempt,
        secrets.stringify(record.attributes),
      );
    }
    for (const [runId, dropped] of this.#droppedPending) countsOf(runId, 0).dropped += dropped;
    const saved = new Map<string, Counts>();
    for (const [runId, { counts, lastAt }] of touched) {
      this.#saveCounts.run(runId, counts.kept, counts.dropped, lastAt);
      saved.set(runId, counts);
    }
    return saved;
  }
}

function capped(body: string): string {
  return body.length <= MAX_LOG_BODY ? body : `${body.slice(0, MAX_LOG_BODY)}… [cut]`;
}

function view(row: LogRow): StoredRunLog {
  return {
    seq: row.seq,
    at: new Date(row.at_ms).toISOString(),
    level: LOG_LEVELS[row.level] ?? 'INFO',
    body: row.body,
    task: row.task,
    taskRunId: row.task_run_id,
    attempt: row.attempt,
    attributes: JSON.parse(row.attributes) as Record<string, string | number | boolean>,
  };
}
