/**
 * Case 6: a long flow run under `flowtel run` with the example rules. Heap after a forced GC at a warm
 * point (a tenth of the way in) and at the end: what a flow run keeps per task run shows as growth.
 */
import { flow, task } from 'flowtel';
import { sizesFrom } from '../sizes.ts';
import { benchOutput } from './output.ts';

const square = task('square', async (n: number) => n * n);
const figures = benchOutput();

function heapAfterGc(): number {
  if (!globalThis.gc) throw new Error('the memory case needs node --expose-gc');
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

export const memory = flow({ name: 'bench-memory' }, async () => {
  const tasks = sizesFrom(process.env).memoryTasks;
  const warmAt = Math.floor(tasks / 10);
  const started = performance.now();
  for (let i = 0; i < tasks; i++) {
    if (i === warmAt) figures.set('warmHeapBytes', heapAfterGc());
    await square(i);
  }
  figures.set('bodyMs', performance.now() - started);
  figures.set('endHeapBytes', heapAfterGc());
  figures.set('tasks', tasks);
});
