import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, available without starting Node with `--expose-gc`: the flag is set at
 * run time and the `gc` function taken from a fresh context, where V8 installs it.
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/**
 * How much more heap `work` keeps alive at its worst than was in use before it: the heap is measured
 * after a full collection, every `everyMs` while it runs and once at its end. Garbage not yet collected
 * does not count, so the figure is what the code holds, not when V8 chose to clean up.
 */
export async function liveHeapGrowth(work: () => Promise<unknown>, everyMs = 250): Promise<number> {
  collect();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const measure = () => {
    collect();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const sampler = setInterval(measure, everyMs);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  measure();
  return peak - before;
}
