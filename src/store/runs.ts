import { type Clock, systemClock } from '../clock.ts';
import {
  crashVerdict,
  detailOf,
  foldRecord,
  inFlightView,
  type RunFold,
  type StoredTransition,
  sortTime,
  summaryOf,
  type TaskFold,
} from '../history/fold.ts';
import {
  afterCursor,
  type CheckedQuery,
  checkQuery,
  matches,
  newestFirst,
  pageOf,
} from '../history/query.ts';
import type { FlowGrid, GridQuery, RunStats, RunTimeline } from '../history/run-views.ts';
import { type StatsQuery, type StatsRow, statsOf, statsWindow } from '../history/stats.ts';
import { FlowColumns, gridOf, TaskTimelines, timelineView } from '../history/task-timeline.ts';
import type {
  InFlightRun,
  RecordOutcome,
  RunDetail,
  RunHistory,
  RunPage,
  RunQuery,
  RunSource,
  RunSummary,
} from '../history/types.ts';
import { isFinal } from '../runtime/state.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import { processSecrets } from '../secrets.ts';
import { CommitLoop } from './commit-loop.ts';
import { RunTables, runRow } from './run-rows.ts';
import { RunTaskTables } from './run-task-rows.ts';
import type { Database, Statement, Transaction } from './sqlite.ts';

/** Ended runs kept in memory after their last write, so the span that follows a log record is cheap. */
const RECENTLY_ENDED = 1_000;
/** Runs deleted per transaction by `prune`, so other writers get the file between batches. */
const PRUNE_BATCH = 500;

export interface SqliteRunHistoryOptions {
  readonly clock?: Clock;
  /** The connection's busy timeout (restored after each background commit). */
  readonly busyTimeoutMs: number;
  readonly log: (line: string) => void;
  /** Close the connection with the history. @default false */
  readonly ownsDb?: boolean;
}

/**
 * Run history in `flowtel.db`. Every run in flight (loaded when it opens) and the last runs that ended
 * are held in memory as folds, so `record` reads the file only for a run it does not hold: one lookup
 * by primary key for the first record of each new run, or for a late record of a run that ended long
 * ago. Writes go behind: the runs, task runs and transitions a turn of the event loop changed are
 * committed together, in one transaction, on the next turn (`CommitLoop`: a refused commit keeps them
 * and retries). Reads see pending writes by merging them over what the file returns.
 */
export class SqliteRunHistory implements RunHistory {
  readonly #db: Database;
  readonly #tables: RunTables;
  readonly #clock: Clock;
  readonly #loop: CommitLoop;
  readonly #ownsDb: boolean;
  readonly #commitBatch: Transaction<() => void>;
  readonly #lists = new Map<string, Statement>();
  /** Every run not in a final state. */
  readonly #inFlight = new Map<string, RunFold>();
  /** Runs that ended, in the order they were last written (oldest first), at most RECENTLY_ENDED once stored. */
  readonly #ended = new Map<string, RunFold>();
  #dirtyRuns = new Map<string, RunFold>();
  #dirtyTasks = new Map<string, { readonly runId: string; readonly task: TaskFold }>();
  #newTransitions: StoredTransition[] = [];
  #count: number;
  // The run UI's data: every task run of the runs in flight, and the timelines of runs that ended in
  // this turn (one row each, written behind with the rest).
  readonly #taskTables: RunTaskTables;
  readonly #timelines: TaskTimelines;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database, options: SqliteRunHistoryOptions) {
    this.#db = db;
    this.#tables = new RunTables(db);
    this.#taskTables = new RunTaskTables(db);
    this.#timelines = new TaskTimelines(new FlowColumns((flow) => this.#taskTables.columns(flow)));
    this.#clock = options.clock ?? systemClock;
    this.#ownsDb = options.ownsDb ?? false;
    this.#commitBatch = db.transaction(() => this.#write());
    this.#loop = new CommitLoop({
      db,
      busyTimeoutMs: options.busyTimeoutMs,
      log: options.log,
      commit: () => {
        this.#commitBatch.immediate();
        this.#forgetStored();
      },
      isEmpty: () =>
        this.#dirtyRuns.size === 0 &&
        this.#newTransitions.length === 0 &&
        !this.#timelines.pending &&
        this.#timelines.columns.added().length === 0,
      describe: () =>
        `${this.#dirtyRuns.size} run(s) and ${this.#newTransitions.length} transition(s) of the run history`,
    });
    this.#count = (this.#tables.count.get() as { n: number }).n;
    for (const { id } of this.#tables.inFlightIds.all() as { id: string }[]) {
      const run = this.#tables.load(id);
      if (run !== undefined) this.#inFlight.set(id, run);
    }
  }

  record(record: TransitionRecord, source: RunSource): RecordOutcome {
    const id = record.flowRunId;
    const known = id === undefined ? undefined : this.#fold(id);
    const result = foldRecord(known, record, source, this.#clock.now());
    const { run } = result;
    if (run !== undefined && record.task !== undefined && result.outcome !== 'duplicate') {
      if (!isFinal(run.state.type)) {
        if (this.#timelines.record(run.id, run.flow, record)) this.#loop.schedule();
      } else {
        // Its span came after the run's end: one lookup in the file when the run is no longer held.
        this.#timelines.recordLate(run.id, run.flow, record, () => this.#taskTables.timeline(run.id));
        this.#loop.schedule();
      }
    }
    if (run === undefined || !result.runChanged) return result.outcome;
    if (known === undefined) this.#count++;
    this.#changed(run);
    if (result.task !== undefined) {
      this.#dirtyTasks.set(`${run.id}\u0000${result.task.id}`, { runId: run.id, task: result.task });
    }
    if (result.transition !== undefined) this.#newTransitions.push(result.transition);
    return result.outcome;
  }

  crashed(runId: string, atMs: number, message: string): TransitionRecord | undefined {
    const run = this.#inFlight.get(runId);
    const verdict = run === undefined ? undefined : crashVerdict(run, atMs, message);
    if (run === undefined || verdict === undefined) return undefined;
    this.#changed(run);
    this.#newTransitions.push(verdict.transition);
    return verdict.record;
  }

  heard(runId: string, atMs: number, intervalMs: number | undefined): void {
    const run = this.#inFlight.get(runId);
    if (run === undefined) return;
    // Kept in memory only: a heartbeat is not worth a write, and a serve that restarts marks the runs
    // it finds in flight Crashed anyway.
    run.lastHeardAt = Math.max(run.lastHeardAt, atMs);
    run.heartbeatIntervalMs = intervalMs;
  }

  get(id: string): RunDetail | undefined {
    const run = this.#inFlight.get(id) ?? this.#ended.get(id) ?? this.#tables.load(id);
    if (run === undefined) return undefined;
    const stored = this.#tables.transitions(id);
    const pending = this.#newTransitions.filter((t) => t.runId === id && t.ordinal >= stored.length);
    return processSecrets().redactDeep(detailOf(run, [...stored, ...pending]));
  }

  list(query: RunQuery): RunPage {
    const checked = checkQuery(query);
    // Runs changed in this turn may be stale in the file: read as many more rows as there are of them,
    // drop those, and put the fresh ones in their place.
    const rows = this.#listStatement(checked).all(
      listParameters(checked, checked.limit + this.#dirtyRuns.size + 1),
    ) as { id: string; sort_at: number; summary: string }[];
    const found: { id: string; sortAt: number; summary: () => RunSummary }[] = [];
    for (const row of rows) {
      if (this.#dirtyRuns.has(row.id)) continue;
      found.push({ id: row.id, sortAt: row.sort_at, summary: () => JSON.parse(row.summary) as RunSummary });
    }
    for (const run of this.#dirtyRuns.values()) {
      const entry = { id: run.id, sortAt: sortTime(run) };
      if (!matches(checked, run, entry.sortAt) || !afterCursor(checked.cursor, entry)) continue;
      found.push({ ...entry, summary: () => processSecrets().redactDeep(summaryOf(run)) });
    }
    found.sort(newestFirst);
    return pageOf(found, checked.limit, (entry) => entry.summary());
  }

  timeline(runId: string): RunTimeline | undefined {
    const run = this.#inFlight.get(runId) ?? this.#ended.get(runId) ?? this.#taskTables.summary(runId);
    if (run === undefined) return undefined;
    const stored = this.#timelines.held(runId) ?? this.#taskTables.timeline(runId);
    // What is stored is redacted already; what is held in memory not yet.
    return processSecrets().redactDeep(timelineView(run, stored));
  }

  grid(flow: string, query: GridQuery): FlowGrid {
    const page = this.list({ flow, ...query });
    return gridOf(
      flow,
      this.#timelines.columns.columns(flow),
      page,
      (id) => this.#timelines.heldCells(id) ?? this.#taskTables.cells(id),
    );
  }

  /**
   * One GROUP BY over the runs with the list's filters. What this turn changed is stored first (an
   * aggregate cannot merge pending runs over the file's); while the file refuses writes, it is left out.
   */
  stats(query: StatsQuery): RunStats {
    const checked = checkQuery({ ...query, limit: 1 });
    this.#loop.tryCommit();
    const span = this.#statement(
      'span',
      checked,
      (where) => `SELECT MIN(sort_at) AS min, MAX(sort_at) AS max FROM runs ${where}`,
    ).get(listParameters(checked, 0)) as { min: number | null; max: number | null };
    const window = statsWindow(
      query,
      span.min === null || span.max === null ? undefined : { min: span.min, max: span.max },
      this.#clock.now(),
    );
    const bounded: CheckedQuery = { ...checked, since: window.since, until: window.until };
    const rows = this.#statement(
      'stats',
      bounded,
      (where) =>
        `SELECT CAST((sort_at - @since) / @bucketMs AS INTEGER) AS bucket, state_type AS stateType,
           COUNT(*) AS count, COUNT(ended_at_ms - started_at_ms) AS timed,
           SUM(ended_at_ms - started_at_ms) AS sumMs, MAX(ended_at_ms - started_at_ms) AS maxMs
         FROM runs ${where} GROUP BY bucket, state_type`,
    ).all({ ...listParameters(bounded, 0), bucketMs: window.bucketMs }) as StatsRow[];
    return statsOf(window, rows);
  }

  lastRun(flow: string): RunSummary | undefined {
    return this.list({ flow, limit: 1 }).runs[0];
  }

  lastStarts(): ReadonlyMap<string, number> {
    const starts = this.#tables.lastStarts();
    for (const run of this.#dirtyRuns.values()) {
      const at = run.startedAt === null ? undefined : Date.parse(run.startedAt);
      if (at !== undefined && at > (starts.get(run.flow) ?? Number.NEGATIVE_INFINITY))
        starts.set(run.flow, at);
    }
    return starts;
  }

  inFlight(): InFlightRun[] {
    return [...this.#inFlight.values()].map(inFlightView);
  }

  /**
   * Deletes runs that ended before `before`, a batch per transaction. Pending writes are stored first
   * (a run must not come back from a pending write); while the file refuses them nothing is pruned.
   */
  prune(before: number): number {
    if (!this.#loop.tryCommit()) return 0;
    let pruned = 0;
    const batch = this.#db.transaction((ids: readonly string[]) => {
      for (const id of ids) {
        for (const statement of this.#tables.deleteRun) statement.run(id);
        this.#taskTables.deleteTimeline.run(id);
        this.#timelines.forget(id);
      }
    });
    for (;;) {
      const ids = (this.#tables.endedBefore.all(before, PRUNE_BATCH) as { id: string }[]).map((r) => r.id);
      if (ids.length === 0) return pruned;
      batch.immediate(ids);
      for (const id of ids) this.#ended.delete(id);
      pruned += ids.length;
      this.#count -= ids.length;
    }
  }

  count(): number {
    return this.#count;
  }

  flush(timeoutMs: number): Promise<boolean> {
    return this.#loop.flush(timeoutMs);
  }

  close(): void {
    this.#loop.close();
    if (this.#ownsDb) this.#db.close();
  }

  /** One statement per shape of query (which filters it has), prepared on first use. */
  #listStatement(query: CheckedQuery): Statement {
    const key = whereOf(query);
    let statement = this.#lists.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare(
        `SELECT id, sort_at, summary FROM runs ${key} ORDER BY sort_at DESC, id DESC LIMIT @limit`,
      );
      this.#lists.set(key, statement);
    }
    return statement;
  }

  /** A statement of `kind` over the runs the query's filters match, one per shape, prepared on first use. */
  #statement(kind: string, query: CheckedQuery, sql: (where: string) => string): Statement {
    const where = whereOf(query);
    const key = `${kind}\u0000${where}`;
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      statement = this.#db.prepare(sql(where));
      this.#statements.set(key, statement);
    }
    return statement;
  }

  /** The run as held in memory, else as stored (a final one is then held among the recently ended). */
  #fold(id: string): RunFold | undefined {
    const held = this.#inFlight.get(id) ?? this.#ended.get(id);
    if (held !== undefined) return held;
    const stored = this.#tables.load(id);
    if (stored !== undefined) (isFinal(stored.state.type) ? this.#ended : this.#inFlight).set(id, stored);
    return stored;
  }

  #changed(run: RunFold): void {
    this.#dirtyRuns.set(run.id, run);
    if (isFinal(run.state.type)) {
      if (this.#inFlight.has(run.id)) this.#timelines.end(run.id, run.flow);
      this.#inFlight.delete(run.id);
      // Last written last: the order in which ended runs leave memory.
      this.#ended.delete(run.id);
      this.#ended.set(run.id, run);
    } else {
      this.#inFlight.set(run.id, run);
    }
    this.#loop.schedule();
  }

  /** Inside the batch's transaction: everything pending. */
  #write(): void {
    for (const run of this.#dirtyRuns.values()) this.#tables.upsertRun.run(runRow(run));
    for (const { runId, task } of this.#dirtyTasks.values()) this.#tables.writeTask(runId, task);
    for (const transition of this.#newTransitions) this.#tables.writeTransition(transition);
    for (const column of this.#timelines.columns.added()) this.#taskTables.writeColumn(column);
    for (const ended of this.#timelines.pendingRows()) this.#taskTables.writeTimeline(ended);
  }

  /** After a commit: what it stored is no longer pending, and the oldest ended runs leave memory. */
  #forgetStored(): void {
    this.#dirtyRuns = new Map();
    this.#dirtyTasks = new Map();
    this.#newTransitions = [];
    this.#timelines.stored();
    this.#timelines.columns.stored();
    for (const id of this.#ended.keys()) {
      if (this.#ended.size <= RECENTLY_ENDED) break;
      this.#ended.delete(id);
    }
  }
}

/** The SQL of each filter, by the name of its parameter; the indexes of migration 3 serve each. */
const FILTERS = {
  flow: 'flow = @flow',
  stateType: 'state_type = @stateType',
  stateName: 'state_name = @stateName',
  since: 'sort_at >= @since',
  until: 'sort_at < @until',
  cursorAt: '(sort_at, id) < (@cursorAt, @cursorId)',
  // Walked along the sort index like the rest (no index finds a tag or a substring; the page stops the walk).
  tag: "EXISTS (SELECT 1 FROM json_each(runs.summary, '$.tags') WHERE value = @tag)",
  q: `(json_extract(summary, '$.error.type') LIKE @q ESCAPE '\\'
       OR json_extract(summary, '$.error.message') LIKE @q ESCAPE '\\'
       OR json_extract(summary, '$.state.message') LIKE @q ESCAPE '\\')`,
} as const;

/** The WHERE clause of the filters a query has ('' for none). */
function whereOf(query: CheckedQuery): string {
  const where = Object.keys(listParameters(query, 0))
    .filter((name) => name !== 'limit' && name !== 'cursorId')
    .map((name) => FILTERS[name as keyof typeof FILTERS]);
  return where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
}

/** The named parameters of a query's statement: only the filters it has, and the row limit. */
function listParameters(query: CheckedQuery, limit: number): Record<string, string | number> {
  const parameters: Record<string, string | number> = {};
  if (query.flow !== undefined) parameters.flow = query.flow;
  if (query.stateType !== undefined) parameters.stateType = query.stateType;
  if (query.stateName !== undefined) parameters.stateName = query.stateName;
  if (query.since !== undefined) parameters.since = query.since;
  if (query.until !== undefined) parameters.until = query.until;
  if (query.tag !== undefined) parameters.tag = query.tag;
  // SQLite's LIKE folds ASCII letters, as `matches` does; the pattern's own wildcards are escaped.
  if (query.q !== undefined) parameters.q = `%${query.q.replace(/[\\%_]/g, '\\$&')}%`;
  if (query.cursor !== undefined) {
    parameters.cursorAt = query.cursor.sortAt;
    parameters.cursorId = query.cursor.id;
  }
  parameters.limit = limit;
  return parameters;
}
