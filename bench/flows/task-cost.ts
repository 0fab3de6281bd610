/**
 * Cases 1–3: what one task run costs under `flowtel run`, against baselines timed in the same process
 * and flow run: the bare awaited call, and a hand-written span with the same attributes and events
 * (with and without the duration histogram record), on the SDK `flowtel run` registered.
 */
import { flow, task } from 'flowtel';
import { sizesFrom } from '../sizes.ts';
import { handWrittenSpan } from './hand-written.ts';
import { benchOutput } from './output.ts';
import { timeRounds } from './rounds.ts';

const FLOW = 'bench';
const square = async (n: number) => n * n;
const squareTask = task('square', square);
const figures = benchOutput();

export const taskCost = flow({ name: FLOW }, async () => {
  // Built in the body: the SDK is registered once the file has loaded, before the run starts.
  const variants = {
    bare: square,
    flowtel: squareTask,
    span: handWrittenSpan('square', FLOW, square, false),
    spanAndHistogram: handWrittenSpan('square', FLOW, square, true),
  };
  const { calls, rounds } = sizesFrom(process.env);
  const options = { calls, rounds };
  figures.set('perCallMicros', await timeRounds(variants, options));
});
