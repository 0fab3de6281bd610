/**
 * Case 5: many task runs in one flow run, every one traced (the harness sets FLOWTEL_MAX_TASK_SPANS=0),
 * exported to the receiver process. The harness counts what arrived; this says what was made and when
 * the run started, so spans/s covers the run and the export flush after it.
 */
import { flow, task } from 'flowtel';
import { sizesFrom } from '../sizes.ts';
import { benchOutput } from './output.ts';

const square = task('square', async (n: number) => n * n);
const figures = benchOutput();

export const exportRun = flow({ name: 'bench-export' }, async () => {
  const tasks = sizesFrom(process.env).exportTasks;
  figures.set('startedAtMs', Date.now());
  const started = performance.now();
  for (let i = 0; i < tasks; i++) await square(i);
  figures.set('bodyMs', performance.now() - started);
  // One span per task run, plus the flow run's own.
  figures.set('spansMade', tasks + 1);
});
