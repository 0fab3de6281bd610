import {
  type RunFold,
  type StoredTransition,
  sortTime,
  summaryOf,
  type TaskFold,
  taskKey,
  taskView,
} from '../history/fold.ts';
import type { RunSummary, TaskRunView } from '../history/types.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import { processSecrets } from '../secrets.ts';
import type { Database, Statement } from './sqlite.ts';

/**
 * The rows of the run history (tables `runs`, `task_runs`, `run_transitions`, migration 3): how a run
 * fold is written and read back. Every JSON column goes through the process's secret registry, so a
 * secret value that reached an error message or a parameter is stored as `[REDACTED]`.
 */

/** What the fold needs besides the summary to take a stored run up again. */
interface Extra {
  readonly params: Readonly<Record<string, unknown>>;
  readonly parentRunId: string | null;
  readonly firstHeardAt: number;
  readonly lastHeardAt: number;
  readonly highestSeq: number;
  readonly verdict: boolean;
  readonly transitions: number;
}

export interface RunRow {
  readonly id: string;
  readonly flow: string;
  readonly state_type: string;
  readonly state_name: string;
  readonly sort_at: number;
  readonly started_at_ms: number | null;
  readonly ended_at_ms: number | null;
  readonly summary: string;
  readonly extra: string;
}

export function runRow(run: RunFold): RunRow {
  const stringify = (value: unknown) => processSecrets().stringify(value);
  const extra: Extra = {
    params: run.params,
    parentRunId: run.parentRunId,
    firstHeardAt: run.firstHeardAt,
    lastHeardAt: run.lastHeardAt,
    highestSeq: run.highestSeq,
    verdict: run.verdict,
    transitions: run.transitions,
  };
  return {
    id: run.id,
    flow: run.flow,
    state_type: run.state.type,
    state_name: run.state.name,
    sort_at: sortTime(run),
    started_at_ms: run.startedAt === null ? null : Date.parse(run.startedAt),
    ended_at_ms: run.endedAt === null ? null : Date.parse(run.endedAt),
    summary: stringify(summaryOf(run)),
    extra: stringify(extra),
  };
}

/** Statements of the three tables, prepared once. */
export class RunTables {
  readonly upsertRun: Statement;
  readonly upsertTask: Statement;
  readonly insertTransition: Statement;
  readonly runById: Statement;
  readonly tasksOf: Statement;
  readonly transitionsOf: Statement;
  readonly inFlightIds: Statement;
  readonly endedBefore: Statement;
  readonly deleteRun: readonly Statement[];
  readonly count: Statement;
  readonly nextFlow: Statement;
  readonly lastStart: Statement;

  constructor(db: Database) {
    this.upsertRun = db.prepare(
      `INSERT INTO runs (id, flow, state_type, state_name, sort_at, started_at_ms, ended_at_ms, summary, extra)
       VALUES (@id, @flow, @state_type, @state_name, @sort_at, @started_at_ms, @ended_at_ms, @summary, @extra)
       ON CONFLICT (id) DO UPDATE SET flow = excluded.flow, state_type = excluded.state_type,
         state_name = excluded.state_name, sort_at = excluded.sort_at, started_at_ms = excluded.started_at_ms,
         ended_at_ms = excluded.ended_at_ms, summary = excluded.summary, extra = excluded.extra`,
    );
    this.upsertTask = db.prepare(
      'INSERT INTO task_runs (run_id, id, body) VALUES (?, ?, ?) ON CONFLICT (run_id, id) DO UPDATE SET body = excluded.body',
    );
    this.insertTransition = db.prepare(
      'INSERT OR IGNORE INTO run_transitions (run_id, ordinal, seq, verdict, record) VALUES (?, ?, ?, ?, ?)',
    );
    this.runById = db.prepare('SELECT * FROM runs WHERE id = ?');
    this.tasksOf = db.prepare('SELECT body FROM task_runs WHERE run_id = ?');
    this.transitionsOf = db.prepare(
      'SELECT ordinal, seq, verdict, record FROM run_transitions WHERE run_id = ? ORDER BY ordinal',
    );
    this.inFlightIds = db.prepare('SELECT id FROM runs WHERE ended_at_ms IS NULL');
    this.endedBefore = db.prepare('SELECT id FROM runs WHERE ended_at_ms < ? LIMIT ?');
    this.deleteRun = [
      db.prepare('DELETE FROM run_transitions WHERE run_id = ?'),
      db.prepare('DELETE FROM task_runs WHERE run_id = ?'),
      db.prepare('DELETE FROM runs WHERE id = ?'),
    ];
    this.count = db.prepare('SELECT COUNT(*) AS n FROM runs');
    this.nextFlow = db.prepare('SELECT flow FROM runs WHERE flow > ? ORDER BY flow LIMIT 1');
    // A started run's sort time is its start: the newest started run of a flow started last.
    this.lastStart = db.prepare(
      `SELECT started_at_ms AS at FROM runs WHERE flow = ? AND started_at_ms IS NOT NULL
       ORDER BY sort_at DESC, id DESC LIMIT 1`,
    );
  }

  /** The latest start of a run of each flow: one index seek per flow, not a scan of every run. */
  lastStarts(): Map<string, number> {
    const starts = new Map<string, number>();
    for (let row = this.nextFlow.get('') as { flow: string } | undefined; row; ) {
      const start = this.lastStart.get(row.flow) as { at: number } | undefined;
      if (start !== undefined) starts.set(row.flow, start.at);
      row = this.nextFlow.get(row.flow) as { flow: string } | undefined;
    }
    return starts;
  }

  writeTask(runId: string, task: TaskFold): void {
    this.upsertTask.run(runId, task.id, processSecrets().stringify(taskView(task)));
  }

  writeTransition(transition: StoredTransition): void {
    const { runId, ordinal, seq, verdict, record } = transition;
    this.insertTransition.run(runId, ordinal, seq, verdict ? 1 : 0, processSecrets().stringify(record));
  }

  transitions(runId: string): StoredTransition[] {
    const rows = this.transitionsOf.all(runId) as {
      ordinal: number;
      seq: number;
      verdict: number;
      record: string;
    }[];
    return rows.map((row) => ({
      runId,
      ordinal: row.ordinal,
      seq: row.seq,
      verdict: row.verdict === 1,
      record: JSON.parse(row.record) as TransitionRecord,
    }));
  }

  /** A stored run as a fold again, with the dedupe keys of its stored transitions; undefined if absent. */
  load(id: string): RunFold | undefined {
    const row = this.runById.get(id) as RunRow | undefined;
    if (row === undefined) return undefined;
    const summary = JSON.parse(row.summary) as RunSummary;
    const extra = JSON.parse(row.extra) as Extra;
    const fold: RunFold = {
      ...summary,
      error: summary.error,
      params: extra.params,
      parentRunId: extra.parentRunId,
      firstHeardAt: extra.firstHeardAt,
      lastHeardAt: extra.lastHeardAt,
      heartbeatIntervalMs: undefined,
      highestSeq: extra.highestSeq,
      verdict: extra.verdict,
      transitions: extra.transitions,
      seqs: new Set(),
      taskKeys: new Set(),
      taskRuns: new Map(),
    };
    for (const { body } of this.tasksOf.all(id) as { body: string }[]) {
      const task = JSON.parse(body) as TaskRunView;
      fold.taskRuns.set(task.id, { ...task, error: task.error });
    }
    for (const { record, verdict } of this.transitions(id)) {
      if (record.task !== undefined) fold.taskKeys.add(taskKey(record));
      else if (!verdict) fold.seqs.add(record.seq);
    }
    return fold;
  }
}
