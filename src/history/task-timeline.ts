import { StateNames } from '../runtime/state.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import { LiveTasks, STATE_CODES, type StoredTimeline } from './live-tasks.ts';

export type { StoredTimeline } from './live-tasks.ts';

import type { FlowGrid, RunTimeline } from './run-views.ts';
import type { RunPage } from './types.ts';

export { MAX_TASK_RUNS_PER_RUN } from './live-tasks.ts';

/**
 * Every task run of the runs in flight, for the timeline and the grid (run history keeps rows only for
 * task runs in trouble; fold.ts says why). Held in memory, compactly, while a run is in flight; when it
 * ends, `end` hands back one stored form per run (its task runs and its grid cells) for the history to
 * keep. Applying a record is a map lookup and a few array writes (live-tasks.ts): this is on the ingest
 * path.
 *
 * A run's task spans often arrive after its own final transition (its log record is sent first, spans
 * follow in the next batch), so the last runs that ended stay in memory for a while (`recordLate`
 * updates them and hands back the row to store again); a run gone from memory is taken up again from
 * its stored row.
 */

/** Ended runs whose task runs stay in memory for late task records: at most this many runs... */
const RECENT_RUNS = 500;
/** ...holding at most this many task runs together. */
const RECENT_TASK_RUNS = 200_000;

/** What `end` hands over to store for an ended run. */
export interface EndedTimeline {
  readonly runId: string;
  readonly flow: string;
  readonly timeline: StoredTimeline;
  readonly cells: string;
}

/**
 * A flow's task columns: its task names in the order they first appeared across its runs, stored once
 * per flow. `load` reads a flow's stored columns the first time it is needed.
 */
export class FlowColumns {
  readonly #flows = new Map<string, { names: string[]; index: Map<string, number> }>();
  readonly #load: (flow: string) => readonly string[];
  #added: { flow: string; ordinal: number; task: string }[] = [];

  constructor(load: (flow: string) => readonly string[] = () => []) {
    this.#load = load;
  }

  columns(flow: string): readonly string[] {
    return this.#of(flow).names;
  }

  /** The column of a task of the flow, added at the end when new. */
  columnOf(flow: string, task: string): number {
    const columns = this.#of(flow);
    let column = columns.index.get(task);
    if (column === undefined) {
      column = columns.names.push(task) - 1;
      columns.index.set(task, column);
      this.#added.push({ flow, ordinal: column, task });
    }
    return column;
  }

  /** Columns added and not stored yet. */
  added(): readonly { flow: string; ordinal: number; task: string }[] {
    return this.#added;
  }

  /** The added columns are stored. */
  stored(): void {
    this.#added = [];
  }

  #of(flow: string) {
    let columns = this.#flows.get(flow);
    if (columns === undefined) {
      const names = [...this.#load(flow)];
      columns = { names, index: new Map(names.map((name, i) => [name, i])) };
      this.#flows.set(flow, columns);
    }
    return columns;
  }
}

/** The task runs of every run in flight, and of the last runs that ended. */
export class TaskTimelines {
  readonly columns: FlowColumns;
  readonly #live = new Map<string, LiveTasks>();
  /** Ended runs, oldest first. */
  readonly #recent = new Map<string, LiveTasks>();
  #recentTaskRuns = 0;
  /** Ended runs whose row is to be stored (again); made into rows only when they are written. */
  #dirty = new Map<string, { readonly flow: string; readonly live: LiveTasks }>();

  constructor(columns: FlowColumns) {
    this.columns = columns;
  }

  /** A task transition of a run in flight; true when it added a column to the flow (to store). */
  record(runId: string, flow: string, record: TransitionRecord): boolean {
    let live = this.#live.get(runId);
    if (live === undefined) {
      live = new LiveTasks();
      this.#live.set(runId, live);
    }
    const newTask = live.apply(record);
    if (newTask === undefined) return false;
    const known = this.columns.columns(flow).length;
    live.columns.push(this.columns.columnOf(flow, newTask));
    return this.columns.columns(flow).length > known;
  }

  /**
   * A task transition of a run that has ended (its span came after the run's final record): applied to
   * the run's task runs, held in memory or else taken up from `stored`; its row is to be stored again.
   */
  recordLate(
    runId: string,
    flow: string,
    record: TransitionRecord,
    stored: () => StoredTimeline | undefined,
  ): void {
    let live = this.#dirty.get(runId)?.live ?? this.#recent.get(runId);
    if (live === undefined) {
      const row = stored();
      live =
        row === undefined
          ? new LiveTasks()
          : LiveTasks.fromStored(row, (task) => this.columns.columnOf(flow, task));
      this.#keepRecent(runId, live);
    }
    const before = live.size;
    const newTask = live.apply(record);
    if (newTask !== undefined) live.columns.push(this.columns.columnOf(flow, newTask));
    if (this.#recent.get(runId) === live) this.#recentTaskRuns += live.size - before;
    this.#dirty.set(runId, { flow, live });
  }

  /** The run ended: its row is to be stored (unless none of its task runs was heard). */
  end(runId: string, flow: string): void {
    const live = this.#live.get(runId);
    if (live === undefined) return;
    this.#live.delete(runId);
    this.#keepRecent(runId, live);
    this.#dirty.set(runId, { flow, live });
  }

  /** Whether rows wait to be stored. */
  get pending(): boolean {
    return this.#dirty.size > 0;
  }

  /** The rows to store. */
  pendingRows(): EndedTimeline[] {
    return [...this.#dirty].map(([runId, { flow, live }]) => ({
      runId,
      flow,
      timeline: live.stored(),
      cells: live.cells(),
    }));
  }

  /** The pending rows are stored. */
  stored(): void {
    this.#dirty = new Map();
  }

  /** Task runs of a pruned run leave memory. */
  forget(runId: string): void {
    const recent = this.#recent.get(runId);
    if (recent !== undefined) this.#recentTaskRuns -= recent.size;
    this.#recent.delete(runId);
    this.#live.delete(runId);
    this.#dirty.delete(runId);
  }

  /** The task runs of a run in flight, or of one that ended and is still held, as stored. */
  held(runId: string): StoredTimeline | undefined {
    return this.#heldTasks(runId)?.stored();
  }

  /** The grid cells of a run in flight, or of one that ended and is still held. */
  heldCells(runId: string): string | undefined {
    return this.#heldTasks(runId)?.cells();
  }

  #heldTasks(runId: string): LiveTasks | undefined {
    return this.#live.get(runId) ?? this.#dirty.get(runId)?.live ?? this.#recent.get(runId);
  }

  #keepRecent(runId: string, live: LiveTasks): void {
    this.#recent.set(runId, live);
    this.#recentTaskRuns += live.size;
    for (const [id, old] of this.#recent) {
      if (this.#recent.size <= RECENT_RUNS && this.#recentTaskRuns <= RECENT_TASK_RUNS) break;
      if (id === runId) break;
      this.#recent.delete(id);
      this.#recentTaskRuns -= old.size;
    }
  }
}

/** A page of a flow's runs as its grid: the flow's columns, and each run's cells (`cellsOf`). */
export function gridOf(
  flow: string,
  tasks: readonly string[],
  page: RunPage,
  cellsOf: (runId: string) => string | undefined,
): FlowGrid {
  return {
    flow,
    tasks,
    runs: page.runs.map((run) => ({
      id: run.id,
      state: run.state,
      startedAt: run.startedAt,
      scheduledAt: run.scheduledAt,
      durationMs: run.durationMs,
      cells: cellsOf(run.id) ?? '',
    })),
    nextCursor: page.nextCursor,
  };
}

/** A stored timeline as the API shows it. */
export function timelineView(
  run: { readonly id: string; readonly startedAt: string | null; readonly endedAt: string | null },
  stored: StoredTimeline | undefined,
): RunTimeline {
  return {
    runId: run.id,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    tasks: stored?.tasks ?? [],
    taskRuns: (stored?.ids ?? []).map((id, i) => {
      const name = STATE_CODES[stored!.states.charCodeAt(i) - 97]!;
      const time = (ms: number | null | undefined) =>
        ms == null ? null : new Date(stored!.base + ms).toISOString();
      const view = {
        id,
        task: stored!.task[i]!,
        state: { type: StateNames[name], name },
        attempts: stored!.attempts[i]!,
        startedAt: time(stored!.start[i]),
        endedAt: time(stored!.end[i]),
      };
      const error = stored!.errors[i];
      return error === undefined ? view : { ...view, error };
    }),
    truncated: stored?.truncated ?? 0,
  };
}
