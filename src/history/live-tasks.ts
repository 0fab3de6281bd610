import { isFinal, type StateName, StateNames } from '../runtime/state.ts';
import type { ErrorInfo, TransitionRecord } from '../runtime/transition.ts';
import { isoMs } from './iso-ms.ts';
import { cellOf, NO_CELL, worseCell } from './task-cells.ts';

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

/** Task runs kept per run; the rest are counted as `truncated`. */
export const MAX_TASK_RUNS_PER_RUN = 50_000;

/** State names by their code: the index here, `a` + index in `StoredTimeline.states`. */
export const STATE_CODES: readonly StateName[] = Object.keys(StateNames) as StateName[];
const CODE_OF = new Map(STATE_CODES.map((name, i) => [name, i]));

/**
 * The task runs of one run, column by column (the n-th task run is `ids[n]`, `task[n]`, ...), times as
 * epoch ms (NaN: none yet). This is on the ingest path and lives as long as the run is in flight or
 * recently ended: a record costs a map lookup and a few array writes, no object per task run.
 */
export class LiveTasks {
  readonly tasks: string[] = [];
  /** The flow column of each of `tasks`. */
  readonly columns: number[] = [];
  readonly #ids: string[] = [];
  /** Index into `tasks`. */
  readonly #task: number[] = [];
  /** Index into `STATE_CODES`. */
  readonly #state: number[] = [];
  readonly #attempts: number[] = [];
  readonly #start: number[] = [];
  readonly #end: number[] = [];
  readonly #errors: (ErrorInfo | undefined)[] = [];
  readonly #taskIndex = new Map<string, number>();
  readonly #byId = new Map<string, number>();
  /** Ids of task runs beyond the cap, so each counts once. */
  #dropped: Set<string> | undefined;
  /** Task runs dropped before the run was taken up again from its stored row. */
  #droppedBefore = 0;

  /** Task runs held. */
  get size(): number {
    return this.#ids.length;
  }

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
    const time = (ms: number | null | undefined) => (ms == null ? Number.NaN : stored.base + ms);
    stored.ids.forEach((id, i) => {
      live.#byId.set(id, live.#ids.push(id) - 1);
      live.#task.push(stored.task[i]!);
      live.#state.push(stored.states.charCodeAt(i) - 97);
      live.#attempts.push(stored.attempts[i]!);
      live.#start.push(time(stored.start[i]));
      live.#end.push(time(stored.end[i]));
      live.#errors.push(stored.errors[i]);
    });
    live.#droppedBefore = stored.truncated;
    return live;
  }

  /** Applies a task transition; returns the task name when it is new to the run (it needs a column). */
  apply(record: TransitionRecord): string | undefined {
    const id = record.taskRunId ?? record.task ?? '';
    let i = this.#byId.get(id);
    let newTask: string | undefined;
    const final = isFinal(record.state.type);
    if (i === undefined) {
      if (this.#ids.length >= MAX_TASK_RUNS_PER_RUN) {
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
      i = this.#ids.push(id) - 1;
      this.#byId.set(id, i);
      this.#task.push(task);
      this.#state.push(0);
      this.#attempts.push(record.attempt);
      this.#start.push(Number.NaN);
      this.#end.push(Number.NaN);
      this.#errors.push(undefined);
    } else if (
      record.attempt < this.#attempts[i]! ||
      (record.attempt === this.#attempts[i] && !Number.isNaN(this.#end[i]) && !final)
    ) {
      return undefined; // late: an earlier step of what the task run already reached
    }
    const at = isoMs(record.at);
    if (record.state.type === 'RUNNING' && !(this.#start[i]! <= at)) this.#start[i] = at;
    this.#state[i] = CODE_OF.get(record.state.name) ?? 0;
    if (record.attempt > this.#attempts[i]!) this.#attempts[i] = record.attempt;
    if (final) {
      if (Number.isNaN(this.#start[i]) && record.startedAt !== undefined) {
        this.#start[i] = isoMs(record.startedAt);
      }
      this.#end[i] = at;
      this.#errors[i] = record.error;
    } else {
      this.#end[i] = Number.NaN;
      this.#errors[i] = undefined;
    }
    return newTask;
  }

  stored(): StoredTimeline {
    const n = this.#ids.length;
    let base = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      // NaN compares false: a time not known yet does not count.
      if (this.#start[i]! < base) base = this.#start[i]!;
      if (this.#end[i]! < base) base = this.#end[i]!;
    }
    if (base === Number.POSITIVE_INFINITY) base = 0;
    const start = new Array<number | null>(n);
    const end = new Array<number | null>(n);
    const errors: Record<string, ErrorInfo> = {};
    let states = '';
    for (let i = 0; i < n; i++) {
      const s = this.#start[i]!;
      const e = this.#end[i]!;
      start[i] = Number.isNaN(s) ? null : s - base;
      end[i] = Number.isNaN(e) ? null : e - base;
      states += String.fromCharCode(97 + this.#state[i]!);
      const error = this.#errors[i];
      if (error !== undefined) errors[i] = error;
    }
    return {
      tasks: this.tasks.slice(),
      ids: this.#ids.slice(),
      task: this.#task.slice(),
      states,
      attempts: this.#attempts.slice(),
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
    for (let i = 0; i < this.#ids.length; i++) {
      const column = this.columns[this.#task[i]!]!;
      while (cells.length <= column) cells.push(NO_CELL);
      cells[column] = worseCell(cells[column]!, cellOf(STATE_CODES[this.#state[i]!]!, this.#attempts[i]!));
    }
    return cells.join('');
  }
}
