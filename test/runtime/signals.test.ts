import { setImmediate } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import { CancelledError, currentRun, flow, TimeoutError, task } from 'flowtel';
import { setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countdown, gate, untilAborted } from '../support/gates.ts';
import { exceptionEvents, named, only, stateNames } from '../support/spans.ts';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());
afterAll(() => telemetry.shutdown());

describe('timeouts', () => {
  it('ends a task attempt TimedOut and aborts its signal; the attempt is retried', async () => {
    const reasons: unknown[] = [];
    const slow = task(
      'slow',
      async () => {
        const run = currentRun()!;
        if (run.attempt === 1) {
          reasons.push(await untilAborted(run.signal));
          throw run.signal.reason;
        }
        return 'fast enough';
      },
      { timeout: 20, retries: 1, retryDelay: 1 },
    );

    expect(await flow({ name: 'task-timeout' }, () => slow())()).toBe('fast enough');
    expect(reasons[0]).toBeInstanceOf(TimeoutError);
    const spans = telemetry.spans();
    const attempts = named(spans, 'attempt slow');
    expect(attempts.map((a) => a.attributes['error.type']).sort()).toEqual(
      ['TimeoutError', undefined].sort(),
    );
    expect(stateNames(only(spans, 'task slow'))).toEqual([
      'Pending',
      'Running',
      'AwaitingRetry',
      'Retrying',
      'Completed',
    ]);
  });

  it('ends a task TimedOut when its last attempt times out', async () => {
    const stuck = task(
      'stuck',
      async () => {
        throw await untilAborted(currentRun()!.signal);
      },
      { timeout: 20 },
    );
    const record = await flow({ name: 'task-times-out' }, () => stuck()).run();

    expect(record.state.name).toBe('Failed');
    expect(record.taskRuns.records[0]?.state.name).toBe('TimedOut');
    const span = only(telemetry.spans(), 'task stuck');
    expect(span.attributes['cicd.pipeline.task.run.result']).toBe('timeout');
    expect(span.attributes['error.type']).toBe('TimeoutError');
  });

  it('ends a flow run TimedOut when the whole run passes its timeout, aborting its task runs', async () => {
    let taskSawAbort = false;
    const waits = task('waits', async () => {
      await untilAborted(currentRun()!.signal);
      taskSawAbort = true;
    });
    const record = await flow({ name: 'flow-timeout', timeout: 30 }, () => waits()).run();

    expect(record.state).toMatchObject({ type: 'FAILED', name: 'TimedOut' });
    expect(record.error).toBeInstanceOf(TimeoutError);
    expect(taskSawAbort).toBe(true);
    expect(record.taskRuns.counts).toEqual({ Cancelled: 1 });
    const flowSpan = only(telemetry.spans(), 'flow flow-timeout');
    expect(flowSpan.attributes['cicd.pipeline.result']).toBe('timeout');
    expect(flowSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(exceptionEvents(flowSpan)).toHaveLength(0);
  });
});

describe('cancellation', () => {
  it('ends the run Cancelled when the signal passed to .run() aborts', async () => {
    const controller = new AbortController();
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const waits = task('waits', async () => {
      markStarted();
      await untilAborted(currentRun()!.signal);
    });
    const running = flow({ name: 'cancellable' }, () => waits()).run(undefined, {
      signal: controller.signal,
    });
    await started;
    controller.abort();
    const record = await running;

    expect(record.state).toMatchObject({ type: 'CANCELLED', name: 'Cancelled' });
    expect(record.error).toBeInstanceOf(CancelledError);
    expect(record.taskRuns.counts).toEqual({ Cancelled: 1 });
    const span = only(telemetry.spans(), 'flow cancellable');
    expect(span.attributes['cicd.pipeline.result']).toBe('cancellation');
    expect(only(telemetry.spans(), 'task waits').attributes['cicd.pipeline.task.run.result']).toBe(
      'cancellation',
    );
  });

  it('aborts and awaits sibling task runs when one fails, so nothing runs behind the finished run', async () => {
    const events: string[] = [];
    const siblingsWaiting = countdown(2);
    const sibling = task('sibling', async () => {
      const waiting = untilAborted(currentRun()!.signal);
      siblingsWaiting.arrive();
      await waiting;
      // Cleanup that takes a turn of the event loop: a run that did not await it would end first.
      await setImmediate();
      events.push('sibling stopped');
    });
    const failing = task('failing', async () => {
      await siblingsWaiting.opened;
      throw new Error('upstream 500');
    });
    const record = await flow({ name: 'siblings' }, async () => {
      await Promise.all([sibling(), sibling(), failing()]);
    }).run();
    events.push('run ended');

    expect(record.state.name).toBe('Failed');
    expect(events).toEqual(['sibling stopped', 'sibling stopped', 'run ended']);
    expect(record.taskRuns.counts).toEqual({ Failed: 1, Cancelled: 2 });
  });

  it('gives up on a task run that ignores its signal after the abort grace, and says so', async () => {
    const never = gate();
    const stubborn = task('stubborn', () => never.opened);
    const record = await flow({ name: 'stubborn', abortGrace: 20, timeout: 10 }, () => stubborn()).run();
    never.open();

    expect(record.state.name).toBe('TimedOut');
    expect(record.taskRuns.counts).toEqual({ Cancelled: 1 });
    const events = only(telemetry.spans(), 'task stubborn').events;
    expect(String(events.at(-1)?.attributes?.['flowtel.state.message'])).toContain(
      'did not stop within 20 ms',
    );
  });
});

describe('concurrency', () => {
  it('runs at most `concurrency` runs of a task at once; the rest wait in Pending', async () => {
    let active = 0;
    let peak = 0;
    const limited = task(
      'limited',
      async (i: number) => {
        active++;
        peak = Math.max(peak, active);
        await setImmediate();
        active--;
        return i;
      },
      { concurrency: 3 },
    );
    const results = await flow({ name: 'limited' }, () =>
      Promise.all(Array.from({ length: 12 }, (_, i) => limited(i))),
    )();

    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(peak).toBe(3);
  });
});

describe('the span budget', () => {
  it('counts first-attempt successes past FLOWTEL_MAX_TASK_SPANS instead of tracing them, never failures', async () => {
    process.env.FLOWTEL_MAX_TASK_SPANS = '5';
    let calls = 0;
    const step = task('step', (i: number) => i);
    const flakyLate = task(
      'flaky-late',
      () => {
        calls++;
        if (calls === 1) throw new Error('first try fails');
        return 'ok';
      },
      { retries: 1, retryDelay: 1 },
    );
    const brokenLate = task('broken-late', () => {
      throw new Error('always fails');
    });
    try {
      await flow({ name: 'budget' }, async () => {
        for (let i = 0; i < 20; i++) await step(i);
        await flakyLate();
        await brokenLate().catch(() => undefined);
      })();
    } finally {
      delete process.env.FLOWTEL_MAX_TASK_SPANS;
    }

    const spans = telemetry.spans();
    expect(named(spans, 'task step')).toHaveLength(5);
    expect(only(spans, 'flow budget').attributes['flowtel.tasks.untraced']).toBe(15);
    const flaky = only(spans, 'task flaky-late');
    expect(named(spans, 'attempt flaky-late')).toHaveLength(2);
    expect(stateNames(flaky)).toEqual(['Pending', 'Running', 'AwaitingRetry', 'Retrying', 'Completed']);
    const broken = only(spans, 'task broken-late');
    expect(exceptionEvents(broken)).toHaveLength(1);
    expect(broken.status.code).toBe(SpanStatusCode.ERROR);
  });
});
