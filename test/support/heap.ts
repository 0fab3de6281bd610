import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, available without starting Node with `--expose-gc`: the flag is set at
 * run time and the `gc` function taken from a fresh context, where V8 installs it.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/**
 * How much more heap `work` keeps alive at its worst than was in use before it. `work` calls `measure()`
 * where its memory peaks (between the chunks of a burst, say); the heap is measured once more at its end.
 * Each measure follows a full collection, so garbage not yet collected does not count: the figure is what
 * the code holds, not when V8 chose to clean up.
 *
 * The work picks the moments rather than a timer: a full collection every 250 ms made a 2 s burst take
 * 20 s on a busy machine, and a timer lands wherever it happens to.
 */
export async function liveHeapGrowth(work: (measure: () => void) => Promise<unknown>): Promise<number> {
  collect();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const measure = () => {
    collect();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  await work(measure);
  measure();
  return peak - before;
}
