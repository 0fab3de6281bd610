import { setImmediate } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import { currentRun, FlowRunError, flow, task } from 'flowtel';
import { recordTransitions, setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gate, untilAborted } from '../support/gates.ts';
import { exceptionEvents, only } from '../support/spans.ts';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());
afterAll(() => telemetry.shutdown());

/** The final state of every flow run, in the order the observers saw them end. */
async function flowEndings(work: () => Promise<unknown>): Promise<string[]> {
  const recorded = recordTransitions();
  try {
    await work();
  } finally {
    recorded.stop();
  }
  return recorded.records
    .filter((r) => r.task === undefined && !['PENDING', 'RUNNING'].includes(r.state.type))
    .map((r) => `${r.flow} ${r.state.name}`);
}

describe('subflows', () => {
  it('records a failing subflow’s exception once, on the subflow, not again on its caller', async () => {
    const sub = flow({ name: 'sub-breaks' }, async () => {
      throw new Error('sub broke');
    });
    const parent = flow({ name: 'calls-sub' }, async () => {
      await sub();
    });

    const record = await parent.run();

    expect(record.error).toBeInstanceOf(FlowRunError);
    const spans = telemetry.spans();
    const subSpan = only(spans, 'flow sub-breaks');
    const parentSpan = only(spans, 'flow calls-sub');
    expect(exceptionEvents(subSpan).map((e) => e.attributes?.['exception.message'])).toEqual(['sub broke']);
    expect(exceptionEvents(parentSpan)).toHaveLength(0);
    expect(parentSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(parentSpan.attributes['error.type']).toBe('FlowRunError');
  });

  it('cancels a running subflow when its parent fails, and ends the parent after it', async () => {
    const subRunning = gate();
    const sub = flow({ name: 'long-sub' }, async () => {
      subRunning.open();
      throw await untilAborted(currentRun()!.signal);
    });
    const boom = task('boom', async () => {
      await subRunning.opened;
      throw new Error('boom');
    });
    const parent = flow({ name: 'failing-parent' }, async () => {
      await Promise.all([sub(), boom()]);
    });

    expect(await flowEndings(() => parent.run())).toEqual(['long-sub Cancelled', 'failing-parent Failed']);
  });

  it('ends a subflow Cancelled, not TimedOut, when its parent times out', async () => {
    const sub = flow({ name: 'sub-of-slow' }, async () => {
      throw await untilAborted(currentRun()!.signal);
    });
    const parent = flow({ name: 'slow-parent', timeout: 20 }, () => sub());

    expect(await flowEndings(() => parent.run())).toEqual(['sub-of-slow Cancelled', 'slow-parent TimedOut']);
  });

  it('does not end a flow run before a subflow it started without awaiting', async () => {
    const release = gate();
    const sub = flow({ name: 'background-sub' }, () => release.opened);
    const parent = flow({ name: 'fire-and-forget' }, () => {
      void sub();
      // Let the subflow go a turn of the event loop after the parent's body returned: a parent that did
      // not wait for it would have ended by then.
      void setImmediate().then(release.open);
    });

    expect(await flowEndings(() => parent.run())).toEqual([
      'background-sub Completed',
      'fire-and-forget Completed',
    ]);
  });
});

describe('.run() never throws', () => {
  it('ends the run Failed when scheduledAt is not a date', async () => {
    const record = await flow({ name: 'bad-schedule' }, () => 1).run(undefined, { scheduledAt: 'soon' });

    expect(record.state).toMatchObject({ type: 'FAILED', name: 'Failed' });
    expect(record.state.message).toContain('scheduledAt must be a date');
  });

  it('ends the run Failed when the schema itself throws while validating', async () => {
    const broken = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: () => {
          throw new Error('validator broke');
        },
      },
    };
    let ran = false;
    const record = await flow({ name: 'broken-schema', params: broken }, () => {
      ran = true;
    }).run({});

    expect(record.state.name).toBe('Failed');
    expect(ran).toBe(false);
  });

  it('ends the run Crashed, naming the variable, when a FLOWTEL_ setting is invalid', async () => {
    process.env.FLOWTEL_MAX_TASK_SPANS = 'lots';
    try {
      const record = await flow({ name: 'bad-setting' }, () => 1).run();

      expect(record.state).toMatchObject({ type: 'CRASHED', name: 'Crashed' });
      expect(record.state.message).toContain('FLOWTEL_MAX_TASK_SPANS');
    } finally {
      delete process.env.FLOWTEL_MAX_TASK_SPANS;
    }
  });
});

describe('defining a flow', () => {
  it('does not register the schedule of a flow whose definition is refused', async () => {
    const { onFlowSchedule } = await import('../../src/runtime/schedules.ts');
    const seen: string[] = [];
    const stop = onFlowSchedule(({ flow: name }) => seen.push(name));
    try {
      expect(() =>
        flow({ name: 'never-defined', schedule: { cron: '0 2 * * *' } }, 'not a function' as never),
      ).toThrow('the second argument must be a function');
    } finally {
      stop();
    }
    expect(seen).not.toContain('never-defined');
  });
});
