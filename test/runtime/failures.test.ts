import { SpanStatusCode } from '@opentelemetry/api';
import { currentRun, FlowRunError, flow, NonRetryableError, ParameterValidationError, task } from 'flowtel';
import { setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exceptionEvents, named, only, stateNames } from '../support/spans.ts';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());
afterAll(() => telemetry.shutdown());

describe('a failing flow', () => {
  it('throws FlowRunError from a call, records the exception once, on the task span', async () => {
    const load = task('load', async () => {
      throw new RangeError('warehouse is full');
    });
    const failing = flow({ name: 'failing' }, async () => {
      await load();
    });

    const error = await failing().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FlowRunError);
    const runError = error as FlowRunError;
    expect(runError.state).toMatchObject({ type: 'FAILED', name: 'Failed' });
    expect(runError.cause).toBeInstanceOf(RangeError);
    expect(runError.runId).toMatch(/^[0-9a-f-]{36}$/);
    const spans = telemetry.spans();
    const flowSpan = only(spans, 'flow failing');
    const taskSpan = only(spans, 'task load');
    expect(exceptionEvents(taskSpan)).toHaveLength(1);
    expect(exceptionEvents(taskSpan)[0]?.attributes?.['exception.message']).toBe('warehouse is full');
    expect(exceptionEvents(flowSpan)).toHaveLength(0);
    for (const span of [flowSpan, taskSpan]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('RangeError');
    }
    expect(flowSpan.attributes['cicd.pipeline.result']).toBe('failure');
    expect(taskSpan.attributes['cicd.pipeline.task.run.result']).toBe('failure');
    expect(stateNames(flowSpan)).toEqual(['Pending', 'Running', 'Failed']);
  });

  it('records an error thrown by the flow body itself on the flow span', async () => {
    const record = await flow({ name: 'body-throws' }, async () => {
      throw new Error('no input files');
    }).run();

    expect(record.state.name).toBe('Failed');
    expect(record.state.message).toBe('Error: no input files');
    const flowSpan = only(telemetry.spans(), 'flow body-throws');
    expect(exceptionEvents(flowSpan)).toHaveLength(1);
  });

  it('returns the run record from .run() instead of throwing, with the failed task run in it', async () => {
    const ok = task('ok', () => 1);
    const bad = task('bad', () => {
      throw new Error('bad row');
    });
    const record = await flow({ name: 'mixed' }, async () => {
      await Promise.all([ok(), ok(), ok()]);
      await bad();
    }).run();

    expect(record.state.type).toBe('FAILED');
    expect(record.error).toBeInstanceOf(Error);
    expect(record.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(record.taskRuns.counts).toEqual({ Completed: 3, Failed: 1 });
    expect(record.taskRuns.records).toHaveLength(1);
    expect(record.taskRuns.records[0]).toMatchObject({
      task: 'bad',
      attempts: 1,
      error: { type: 'Error', message: 'bad row' },
      state: { type: 'FAILED', name: 'Failed' },
    });
    expect(record.taskRuns.records[0]?.states.map((s) => s.name)).toEqual(['Pending', 'Running', 'Failed']);
  });

  it('keeps the size of the run record independent of the number of task runs', async () => {
    const step = task('step', (i: number) => i);
    const record = await flow({ name: 'wide' }, async () => {
      await Promise.all(Array.from({ length: 2000 }, (_, i) => step(i)));
    }).run();
    expect(record.taskRuns.total).toBe(2000);
    expect(record.taskRuns.counts).toEqual({ Completed: 2000 });
    expect(record.taskRuns.records).toHaveLength(0);

    const all = await flow({ name: 'wide-all' }, async () => {
      await Promise.all(Array.from({ length: 5 }, (_, i) => step(i)));
    }).run(undefined, { taskRuns: 'all' });
    expect(all.taskRuns.records).toHaveLength(5);
  });

  it('fails a task at once on NonRetryableError, whatever its retries say', async () => {
    let calls = 0;
    const guarded = task(
      'guarded',
      () => {
        calls++;
        throw new NonRetryableError('credentials rejected');
      },
      { retries: 5, retryDelay: 1 },
    );
    const record = await flow({ name: 'non-retryable' }, () => guarded()).run();
    expect(calls).toBe(1);
    expect(record.state.name).toBe('Failed');
  });

  it('retries only what retryIf accepts', async () => {
    const attempts: number[] = [];
    const picky = task(
      'picky',
      () => {
        attempts.push(currentRun()?.attempt ?? 0);
        throw attempts.length === 1 ? new Error('timeout') : new Error('not found');
      },
      { retries: 5, retryDelay: 1, retryIf: (e) => (e as Error).message === 'timeout' },
    );
    await flow({ name: 'picky' }, () => picky()).run();
    expect(attempts).toEqual([1, 2]);
  });
});

describe('what is thrown', () => {
  it('handles a thrown string: rethrown as is, recorded with its type', async () => {
    const throwsString = task('throws-string', () => {
      throw 'disk quota exceeded';
    });
    let caught: unknown;
    const record = await flow({ name: 'string-throw' }, async () => {
      try {
        await throwsString();
      } catch (e) {
        caught = e;
        throw e;
      }
    }).run();

    expect(caught).toBe('disk quota exceeded');
    expect(record.error).toBe('disk quota exceeded');
    expect(record.state.message).toBe('String: disk quota exceeded');
    const spans = telemetry.spans();
    const taskSpan = only(spans, 'task throws-string');
    expect(taskSpan.attributes['error.type']).toBe('String');
    expect(exceptionEvents(taskSpan)[0]?.attributes?.['exception.message']).toBe('disk quota exceeded');
    expect(exceptionEvents(only(spans, 'flow string-throw'))).toHaveLength(0);
  });
});

describe('invalid parameters', () => {
  it('end a .run() as Failed with ParameterValidationError, before the body runs', async () => {
    let ran = false;
    const typed = flow(
      { name: 'typed', params: z.object({ day: z.string(), limit: z.number().int().positive() }) },
      async () => {
        ran = true;
      },
    );

    const record = await typed.run({ day: 20261124, limit: -1 } as never);

    expect(ran).toBe(false);
    expect(record.state).toMatchObject({ type: 'FAILED', name: 'Failed' });
    expect(record.error).toBeInstanceOf(ParameterValidationError);
    const issues = (record.error as ParameterValidationError).issues.map((i) => i.path);
    expect(issues).toEqual(['day', 'limit']);
    const span = only(telemetry.spans(), 'flow typed');
    expect(span.attributes['error.type']).toBe('ParameterValidationError');
    expect(exceptionEvents(span)).toHaveLength(1);
    expect(named(telemetry.spans(), 'task').length).toBe(0);
  });

  it('apply schema defaults before the body sees them', async () => {
    const withDefaults = flow(
      { name: 'defaults', params: z.object({ day: z.string(), dryRun: z.boolean().default(false) }) },
      async (params) => params,
    );
    expect(await withDefaults({ day: '2026-11-24' })).toEqual({ day: '2026-11-24', dryRun: false });
  });
});
