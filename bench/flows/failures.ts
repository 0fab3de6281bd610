/**
 * Case 7: flow failures that alert. A parent flow runs `BENCH_FAILURES` subflows, each of its own name
 * (`<BENCH_FAILURE_PREFIX>-<i>`), each failing at once, `BENCH_FAILURE_GAP_MS` apart (0: a burst, which
 * yields to the event loop between two failures and no more).
 * It reports when each failed (the failed state's time), so the harness can time the alert's arrival.
 */
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
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
      // A burst still yields to the event loop between failures, as flows that do I/O do.
      await (gapMs > 0 ? sleep(gapMs) : setImmediate());
    }
  });
  figures.set('failedAtMs', failedAt);
});
