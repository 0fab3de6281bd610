import type { Grid, LiveEvent } from '../api/types.ts';
import { cellChar, inFlight, worstCell } from '../states.ts';

/**
 * Applies a batch of live events to a flow's grid: `run` events add or update a run row; `task` events
 * rewrite one cell of an in-flight run. Fan-out task runs of one name collapse to the worst of them,
 * as the server does, so the per-run memory of task run characters is kept in `seen`.
 */
export function applyToGrid(grid: Grid, events: LiveEvent[], seen: Map<string, Map<string, string>>): Grid {
  let { tasks, runs } = grid;
  for (const event of events) {
    if (event.type === 'run' && event.run.flow === grid.flow) {
      const run = event.run;
      const row = {
        id: run.id,
        state: run.state,
        startedAt: run.startedAt,
        scheduledAt: run.scheduledAt,
        durationMs: run.durationMs,
      };
      const at = runs.findIndex((r) => r.id === run.id);
      if (at >= 0) runs = runs.map((r, i) => (i === at ? { ...r, ...row } : r));
      else runs = [{ ...row, cells: '' }, ...runs];
    } else if (event.type === 'task' && event.flow === grid.flow) {
      const at = runs.findIndex((r) => r.id === event.runId);
      const run = runs[at];
      if (!run || !inFlight(run.state)) continue;
      let column = tasks.indexOf(event.task);
      if (column < 0) {
        tasks = [...tasks, event.task];
        column = tasks.length - 1;
      }
      const key = `${run.id}\u0000${event.task}`;
      let taskRuns = seen.get(key);
      if (!taskRuns) {
        taskRuns = new Map();
        // What the server collapsed before we listened counts only when it had ended.
        const before = run.cells[column];
        if (before && 'cCkftx'.includes(before)) taskRuns.set('', before);
        seen.set(key, taskRuns);
      }
      taskRuns.set(event.taskRunId, cellChar(event.state, event.attempts));
      const char = worstCell(taskRuns.values());
      const cells = run.cells.padEnd(column + 1, '.');
      runs = runs.map((r, i) =>
        i === at ? { ...r, cells: cells.slice(0, column) + char + cells.slice(column + 1) } : r,
      );
    }
  }
  return tasks === grid.tasks && runs === grid.runs ? grid : { ...grid, tasks, runs };
}
