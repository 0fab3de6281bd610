import type { Timeline, TimelineTaskRun } from '../api/types.ts';
import { failed } from '../states.ts';

export type Preset = 'all' | 'errors' | 'slowest';

export interface TaskGroup {
  task: string;
  runs: TimelineTaskRun[];
  start: number | null;
  end: number | null;
  failed: boolean;
  slowestMs: number;
}

export interface Row {
  key: string;
  level: 1 | 2;
  group: TaskGroup;
  /** The one task run of a level-2 row, or of a group of one. */
  taskRun: TimelineTaskRun | null;
}

function time(iso: string | null): number | null {
  return iso ? Date.parse(iso) : null;
}

function durationOf(t: TimelineTaskRun, now: number): number {
  const start = time(t.startedAt);
  return start === null ? 0 : (time(t.endedAt) ?? now) - start;
}

function isFailure(t: TimelineTaskRun): boolean {
  return failed(t.state) || t.state.name === 'TimedOut' || t.attempts > 1;
}

/** Task runs folded by task name (repeated tasks become one row with a count), filtered by preset and attempt. */
export function groupTimeline(
  timeline: Timeline,
  preset: Preset,
  attempts: number | null,
  now = Date.now(),
): TaskGroup[] {
  const groups = new Map<number, TaskGroup>();
  for (const t of timeline.taskRuns) {
    if (attempts !== null && t.attempts !== attempts) continue;
    if (preset === 'errors' && !isFailure(t)) continue;
    let group = groups.get(t.task);
    if (!group) {
      group = {
        task: timeline.tasks[t.task] ?? `#${t.task}`,
        runs: [],
        start: null,
        end: null,
        failed: false,
        slowestMs: 0,
      };
      groups.set(t.task, group);
    }
    group.runs.push(t);
    const start = time(t.startedAt);
    const end = time(t.endedAt) ?? (start === null ? null : now);
    if (start !== null && (group.start === null || start < group.start)) group.start = start;
    if (end !== null && (group.end === null || end > group.end)) group.end = end;
    group.failed ||= failed(t.state) || t.state.name === 'TimedOut';
    group.slowestMs = Math.max(group.slowestMs, durationOf(t, now));
  }
  const list = [...groups.values()];
  if (preset === 'slowest') return list.sort((a, b) => b.slowestMs - a.slowestMs).slice(0, 20);
  return list.sort((a, b) => (a.start ?? Number.MAX_SAFE_INTEGER) - (b.start ?? Number.MAX_SAFE_INTEGER));
}

export function flatten(groups: TaskGroup[], expanded: ReadonlySet<string>, now = Date.now()): Row[] {
  const rows: Row[] = [];
  for (const group of groups) {
    rows.push({ key: group.task, level: 1, group, taskRun: group.runs.length === 1 ? group.runs[0]! : null });
    if (group.runs.length > 1 && expanded.has(group.task)) {
      const runs = [...group.runs].sort((a, b) => durationOf(b, now) - durationOf(a, now));
      for (const t of runs) rows.push({ key: `${group.task}\u0000${t.id}`, level: 2, group, taskRun: t });
    }
  }
  return rows;
}
