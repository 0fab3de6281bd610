import { isFinal, type StateName, StateNames } from '../runtime/state.ts';
import type { ErrorInfo, TransitionRecord } from '../runtime/transition.ts';
import type { RunTimeline } from './run-views.ts';
import { cellOf, NO_CELL, worseCell } from './task-cells.ts';

/**
 * Every task run of the runs in flight, for the timeline and the grid (run history keeps rows only for
 * task runs in trouble; fold.ts says why). Held in memory, compactly, while a run is in flight; when it
 * ends, `end` hands back one stored form per run (its task runs and its grid cells) for the history to
 * keep. Applying a record is a few map lookups: this is on the ingest path.
 *
 * A run's task spans often arrive after its own final transition (its log record is sent first, spans
 * follow in the next batch), so the last runs that ended stay in memory for a while (`recordLate`
 * updates them and hands back the row to store again); a run gone from memory is taken up again from
 * its stored row.
 */

/** Task runs kept per run; the rest are counted as `truncated`. */
export const MAX_TASK_RUNS_PER_RUN = 50_000;
/** Ended runs whose task runs stay in memory for late task records: at most this many runs... */
const RECENT_RUNS = 500;
/** ...holding at most this many task runs together. */
const RECENT_TASK_RUNS = 200_000;

interface Entry {
  readonly id: string;
  /** Index into the run's `tasks`. */
  readonly task: number;
  name: StateName;
  attempts: number;
  start: string | null;
  end: string | null;
  error: ErrorInfo | undefined;
}

/** State names by their one-char code in `StoredTimeline.states`. */
const STATE_CODES: readonly StateName[] = Object.keys(StateNames) as StateName[];
const CODE_OF = new Map(STATE_CODES.map((name, i) => [name, String.fromCharCode(97 + i)]));

/**
 * The stored timeline of an ended run (JSON in `run_task_runs.body`), column by column so that a run
 * of thousands of task runs stays small: the n-th task run is `ids[n]`, `task[n]`, `states[n]`, ...
 */
export interface StoredTimeline {
  readonly tasks: readonly string[];
  readonly ids: readonly string[];
  readonly task: readonly number[];
  /** One char per task run: its state name (`a` Scheduled, ... in `StateNames` order). */
  readonly states: string;
  readonly attempts: readonly number[];
  /** Epoch ms that `start` and `end` count from. */
  readonly base: number;
  readonly start: readonly (number | null)[];
  readonly end: readonly (number | null)[];
  /** The errors of the task runs that have one, by index. */
  readonly errors: Readonly<Record<string, ErrorInfo>>;
  readonly truncated: number;
}

/** What `end` hands over to store for an ended run. */
export interface EndedTimeline {
  readonly runId: string;
  readonly flow: string;
  readonly timeline: StoredTimeline;
  readonly cells: string;
}

/** The task runs of one run in flight. */
class LiveTasks {
  readonly tasks: string[] = [];
  /** The flow column of each of `tasks`. */
  readonly columns: number[] = [];
  readonly entries: Entry[] = [];
  readonly #taskIndex = new Map<string, number>();
  readonly #byId = new Map<string, Entry>();
  /** Ids of task runs beyond the cap, so each counts once. */
  #dropped: Set<string> | undefined;
  /** Task runs dropped before the run was taken up again from its stored row. */
  #droppedBefore = 0;

  get truncated(): number {
    return this.#droppedBefore + (this.#dropped?.size ?? 0);
  }

  /** A stored run taken up again; `columnOf` gives each of its tasks' flow column. */
  static fromStored(stored: StoredTimeline, columnOf: (task: string) => number): LiveTasks {
    const live = new LiveTasks();
    for (const task of stored.tasks) {
      live.#taskIndex.set(task, live.tasks.push(task) - 1);
      live.columns.push(columnOf(task));
    }
    const time = (ms: number | null | undefined) =>
      ms == null ? null : new Date(stored.base + ms).toISOString();
    stored.ids.forEach((id, i) => {
      const entry: Entry = {
        id,
        task: stored.task[i]!,
        name: STATE_CODES[stored.states.charCodeAt(i) - 97]!,
        attempts: stored.attempts[i]!,
        start: time(stored.start[i]),
        end: time(stored.end[i]),
        error: stored.errors[i],
      };
      live.#byId.set(id, entry);
      live.entries.push(entry);
    });
    live.#droppedBefore = stored.truncated;
    return live;
  }

  /** Applies a task transition; returns the task name when it is new to the run (it needs a column). */
  apply(record: TransitionRecord): string | undefined {
    const id = record.taskRunId ?? record.task ?? '';
    let entry = this.#byId.get(id);
    let newTask: string | undefined;
    if (entry === undefined) {
      if (this.entries.length >= MAX_TASK_RUNS_PER_RUN) {
        this.#dropped ??= new Set();
        this.#dropped.add(id);
        return undefined;
      }
      const name = record.task ?? '';
      let task = this.#taskIndex.get(name);
      if (task === undefined) {
        task = this.tasks.push(name) - 1;
        this.#taskIndex.set(name, task);
        newTask = name;
      }
      entry = {
        id,
        task,
        name: record.state.name,
        attempts: record.attempt,
        start: null,
        end: null,
        error: undefined,
      };
      this.#byId.set(id, entry);
      this.entries.push(entry);
    } else if (
      record.attempt < entry.attempts ||
      (record.attempt === entry.attempts && entry.end !== null && !isFinal(record.state.type))
    ) {
      return undefined; // late: an earlier step of what the task run already reached
    }
    // ISO times of one format compare as strings: no date parsing on the ingest path.
    if (record.state.type === 'RUNNING' && (entry.start === null || record.at < entry.start)) {
      entry.start = record.at;
    }
    entry.name = record.state.name;
    entry.attempts = Math.max(entry.attempts, record.attempt);
    if (isFinal(record.state.type)) {
      entry.start ??= record.startedAt ?? null;
      entry.end = record.at;
      entry.error = record.error;
    } else {
      entry.end = null;
      entry.error = undefined;
    }
    return newTask;
  }

  stored(): StoredTimeline {
    const n = this.entries.length;
    const ids = new Array<string>(n);
    const task = new Array<number>(n);
    const attempts = new Array<number>(n);
    const start = new Array<number | null>(n);
    const end = new Array<number | null>(n);
    const errors: Record<string, ErrorInfo> = {};
    let states = '';
    let base = Number.POSITIVE_INFINITY;
    const starts = new Array<number>(n);
    const ends = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const e = this.entries[i]!;
      starts[i] = e.start === null ? Number.NaN : Date.parse(e.start);
      ends[i] = e.end === null ? Number.NaN : Date.parse(e.end);
      if (starts[i]! < base) base = starts[i]!;
      if (ends[i]! < base) base = ends[i]!;
    }
    if (base === Number.POSITIVE_INFINITY) base = 0;
    for (let i = 0; i < n; i++) {
      const e = this.entries[i]!;
      ids[i] = e.id;
      task[i] = e.task;
      attempts[i] = e.attempts;
      states += CODE_OF.get(e.name);
      start[i] = Number.isNaN(starts[i]) ? null : starts[i]! - base;
      end[i] = Number.isNaN(ends[i]) ? null : ends[i]! - base;
      if (e.error !== undefined) errors[i] = e.error;
    }
    return {
      tasks: [...this.tasks],
      ids,
      task,
      states,
      attempts,
      base,
      start,
      end,
      errors,
      truncated: this.truncated,
    };
  }

  /** The grid cells, indexed by flow column; as long as the highest column the run used. */
  cells(): string {
    const cells: string[] = [];
    for (const entry of this.entries) {
      const column = this.columns[entry.task]!;
      while (cells.length <= column) cells.push(NO_CELL);
      cells[column] = worseCell(cells[column]!, cellOf(entry.name, entry.attempts));
    }
    return cells.join('');
  }
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
    const before = live.entries.length;
    const newTask = live.apply(record);
    if (newTask !== undefined) live.columns.push(this.columns.columnOf(flow, newTask));
    if (this.#recent.get(runId) === live) this.#recentTaskRuns += live.entries.length - before;
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
    if (recent !== undefined) this.#recentTaskRuns -= recent.entries.length;
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
    this.#recentTaskRuns += live.entries.length;
    for (const [id, old] of this.#recent) {
      if (this.#recent.size <= RECENT_RUNS && this.#recentTaskRuns <= RECENT_TASK_RUNS) break;
      if (id === runId) break;
      this.#recent.delete(id);
      this.#recentTaskRuns -= old.entries.length;
    }
  }
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
