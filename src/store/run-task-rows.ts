import type { EndedTimeline, StoredTimeline } from '../history/task-timeline.ts';
import type { RunSummary } from '../history/types.ts';
import { processSecrets } from '../secrets.ts';
import type { Database, Statement } from './sqlite.ts';

/**
 * The rows of the run UI (tables `run_task_runs` and `flow_tasks`, migration 6): an ended run's task
 * runs with its grid cells, and each flow's task columns. Bodies go through the process's secret
 * registry (a task's error message may hold one).
 */
export class RunTaskTables {
  readonly #insertTimeline: Statement;
  readonly #timelineOf: Statement;
  readonly #cellsOf: Statement;
  readonly #insertColumn: Statement;
  readonly #columnsOf: Statement;
  readonly #summaryOf: Statement;
  /** Part of a run's prune. */
  readonly deleteTimeline: Statement;

  constructor(db: Database) {
    this.#insertTimeline = db.prepare(
      `INSERT INTO run_task_runs (run_id, cells, body) VALUES (?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET cells = excluded.cells, body = excluded.body`,
    );
    this.#timelineOf = db.prepare('SELECT body FROM run_task_runs WHERE run_id = ?');
    this.#cellsOf = db.prepare('SELECT cells FROM run_task_runs WHERE run_id = ?');
    this.#insertColumn = db.prepare(
      'INSERT OR IGNORE INTO flow_tasks (flow, ordinal, task) VALUES (?, ?, ?)',
    );
    this.#columnsOf = db.prepare('SELECT task FROM flow_tasks WHERE flow = ? ORDER BY ordinal');
    this.#summaryOf = db.prepare('SELECT summary FROM runs WHERE id = ?');
    this.deleteTimeline = db.prepare('DELETE FROM run_task_runs WHERE run_id = ?');
  }

  writeTimeline(ended: EndedTimeline): void {
    this.#insertTimeline.run(ended.runId, ended.cells, processSecrets().stringify(ended.timeline));
  }

  writeColumn(column: { readonly flow: string; readonly ordinal: number; readonly task: string }): void {
    this.#insertColumn.run(column.flow, column.ordinal, column.task);
  }

  timeline(runId: string): StoredTimeline | undefined {
    const row = this.#timelineOf.get(runId) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as StoredTimeline);
  }

  cells(runId: string): string | undefined {
    return (this.#cellsOf.get(runId) as { cells: string } | undefined)?.cells;
  }

  columns(flow: string): string[] {
    return (this.#columnsOf.all(flow) as { task: string }[]).map((row) => row.task);
  }

  /** A stored run's summary, without the rest of its record. */
  summary(runId: string): RunSummary | undefined {
    const row = this.#summaryOf.get(runId) as { summary: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.summary) as RunSummary);
  }
}
