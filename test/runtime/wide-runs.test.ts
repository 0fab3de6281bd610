import { getEventListeners } from 'node:events';
import { currentRun, flow, onTransition, task } from 'flowtel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countdown, gate, untilAborted } from '../support/gates.ts';
import { liveHeapGrowth } from '../support/heap.ts';

/** Warnings Node prints on stderr while a test runs (MaxListenersExceededWarning and the like). */
let warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

/** Abort listeners on the current flow run's signal, as seen from its body. */
function listenersOnRunSignal(): number {
  return getEventListeners(currentRun()!.signal, 'abort').length;
}

describe('a flow run with thousands of task runs in flight at once', () => {
  it('keeps one listener on its signal for all task runs waiting for a concurrency slot', async () => {
    const release = gate();
    const limited = task('limited', () => release.opened, { concurrency: 2 });
    let listeners = 0;

    const record = await flow({ name: 'wide-waiting' }, async () => {
      const runs = Array.from({ length: 2_000 }, () => limited());
      listeners = listenersOnRunSignal();
      release.open();
      await Promise.all(runs);
    }).run();

    expect(record.taskRuns.counts).toEqual({ Completed: 2_000 });
    expect(listeners).toBeLessThanOrEqual(2);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('keeps one listener on its signal for all task runs under a timeout or in a retry delay', async () => {
    const release = gate();
    const timed = task('timed', () => release.opened, { timeout: '1m' });
    const flaky = task(
      'flaky',
      () => {
        if (currentRun()!.attempt === 1) throw new Error('first attempt fails');
      },
      { retries: 1, retryDelay: 20, jitter: 0 },
    );
    // Every timed run in its attempt (its timeout armed), every flaky run waiting to retry.
    const allWaiting = countdown(1_000);
    let retriesStarted = 0;
    const stopWatching = onTransition((record) => {
      if (record.task === 'timed' && record.state.name === 'Running') allWaiting.arrive();
      if (record.task === 'flaky' && record.state.name === 'AwaitingRetry') allWaiting.arrive();
      if (record.state.name === 'Retrying') retriesStarted++;
    });
    let listeners = 0;
    let retriesStartedBeforeCount = 0;

    const record = await flow({ name: 'wide-timed' }, async () => {
      const runs = [
        ...Array.from({ length: 500 }, () => timed()),
        ...Array.from({ length: 500 }, () => flaky()),
      ];
      await allWaiting.opened;
      listeners = listenersOnRunSignal();
      retriesStartedBeforeCount = retriesStarted;
      release.open();
      await Promise.all(runs);
    })
      .run()
      .finally(stopWatching);

    expect(retriesStartedBeforeCount).toBe(0);
    expect(listeners).toBeLessThanOrEqual(2);
    expect(record.taskRuns.counts).toEqual({ Completed: 1_000 });
    expect(retriesStarted).toBe(500);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('cancels every task run waiting for a slot when the flow run fails', async () => {
    const slotTaken = gate();
    const stuck = task(
      'stuck-slot',
      () => {
        slotTaken.open();
        return untilAborted(currentRun()!.signal);
      },
      { concurrency: 1 },
    );
    const boom = task('boom', async () => {
      await slotTaken.opened;
      throw new Error('boom');
    });

    const record = await flow({ name: 'wide-failing' }, async () => {
      await Promise.all([...Array.from({ length: 5_000 }, () => stuck()), boom()]);
    }).run();

    expect(record.state.name).toBe('Failed');
    expect(record.taskRuns.counts).toEqual({ Failed: 1, Cancelled: 5_000 });
  });

  it('holds no memory for task runs with a timeout once they have ended', async () => {
    const timed = task('timed-many', (i: number) => Promise.resolve(i), { timeout: '1m' });
    // Measured while the flow run lasts: what its ended task runs leave reachable from it.
    const growth = await liveHeapGrowth((measure) =>
      flow({ name: 'many-timed' }, async () => {
        for (let i = 1; i <= 50_000; i++) {
          await timed(i);
          if (i % 25_000 === 0) measure();
        }
      }).run(),
    );

    // Before the fix each attempt's signal stayed reachable from the flow run's: ~100 MB here.
    expect(growth).toBeLessThan(20 * 1024 * 1024);
  });
});
