/**
 * Case 7: flow failures that alert. A parent flow runs `BENCH_FAILURES` subflows, each of its own name
 * (`<BENCH_FAILURE_PREFIX>-<i>`), each failing at once, `BENCH_FAILURE_GAP_MS` apart (0: a burst).
 * It reports when each failed (the failed state's time), so the harness can time the alert's arrival.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { flow } from 'flowtel';
import { sizesFrom } from '../sizes.ts';
import { benchOutput } from './output.ts';
import { profiled } from './profiler.ts';

const figures = benchOutput();

export const failures = flow({ name: 'bench-failures' }, async () => {
  // The harness passes the count and gap of the case it runs (the webhook's, or the Slack burst's).
  const { failures: count, failureGapMs: gapMs } = sizesFrom(process.env);
  const prefix = process.env.BENCH_FAILURE_PREFIX ?? 'bench-fail';
  const failedAt: Record<string, number> = {};
  await profiled(async () => {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${i}`;
      const failing = flow({ name }, async () => {
        throw new Error(`${name} fails on purpose`);
      });
      const record = await failing.run();
      failedAt[name] = Date.parse(record.state.at);
      if (gapMs > 0) await sleep(gapMs);
    }
  });
  figures.set('failedAtMs', failedAt);
});
