import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { flow, log, type TransitionRecord, task } from 'flowtel';
import { metricPoints, recordTransitions, setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());
afterAll(() => telemetry.shutdown());

function stateLogs() {
  return telemetry.logs().filter((l) => l.eventName === 'flowtel.state');
}

describe('log records', () => {
  it('emits flow transitions, task retries and failures, not a record per successful task', async () => {
    let calls = 0;
    const flaky = task(
      'flaky',
      () => {
        if (++calls < 2) throw new Error('reset');
        return 1;
      },
      { retries: 2, retryDelay: 1 },
    );
    const fine = task('fine', () => 1);
    const broken = task('broken', () => {
      throw new TypeError('bad row');
    });
    await flow({ name: 'logged', tags: ['orders'] }, async () => {
      await Promise.all([fine(), fine(), flaky()]);
      await broken();
    }).run();

    const records = stateLogs().map((l) => [
      l.attributes['cicd.pipeline.task.name'] ?? 'flow',
      l.attributes['flowtel.state.name'],
      l.severityText,
    ]);
    expect(records).toEqual([
      ['flow', 'Pending', 'INFO'],
      ['flow', 'Running', 'INFO'],
      ['flaky', 'AwaitingRetry', 'WARN'],
      ['broken', 'Failed', 'ERROR'],
      ['flow', 'Failed', 'ERROR'],
    ]);
    const failed = stateLogs().at(-1)!;
    expect(failed.attributes).toMatchObject({
      'cicd.pipeline.name': 'logged',
      'flowtel.flow.tags': ['orders'],
      'error.type': 'TypeError',
      'flowtel.error.message': 'bad row',
    });
    const seqs = stateLogs().map((l) => l.attributes['flowtel.seq'] as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(failed.spanContext?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('correlates run logs with the span of the task that logged them', async () => {
    const chatty = task('chatty', () => log.info('fetched orders', { count: 3 }));
    await flow({ name: 'chatty' }, () => chatty())();

    const entry = telemetry.logs().find((l) => l.body === 'fetched orders')!;
    const span = telemetry.spans().find((s) => s.name === 'task chatty')!;
    expect(entry.attributes).toMatchObject({ count: 3, 'cicd.pipeline.task.name': 'chatty' });
    expect(entry.spanContext?.spanId).toBe(span.spanContext().spanId);
  });

  it('correlates run logs with the task span even when no context manager is registered', async () => {
    const chatty = task('quiet-context', () => log.info('no context manager'));
    context.disable();
    try {
      await flow({ name: 'no-context-manager' }, () => chatty())();
    } finally {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }

    const entry = telemetry.logs().find((l) => l.body === 'no context manager')!;
    const span = telemetry.spans().find((s) => s.name === 'task quiet-context')!;
    expect(entry.spanContext?.spanId).toBe(span.spanContext().spanId);
  });

  it('names the parent flow run on the log records of a subflow, as its transition records do', async () => {
    const sub = flow({ name: 'logged-sub' }, () => 1);
    const parent = await flow({ name: 'logged-parent' }, () => sub()).run();

    const subLogs = stateLogs().filter((l) => l.attributes['cicd.pipeline.name'] === 'logged-sub');
    expect(subLogs.map((l) => l.attributes['flowtel.flow.parent_run_id'])).toEqual([
      parent.flowRunId,
      parent.flowRunId,
      parent.flowRunId,
    ]);
  });

  it('ends the run Crashed rather than beat without pause when the heartbeat interval is 0', async () => {
    process.env.FLOWTEL_HEARTBEAT_INTERVAL = '0ms';
    try {
      const record = await flow({ name: 'no-pause' }, () => 1).run();

      expect(record.state.name).toBe('Crashed');
      expect(record.state.message).toContain('FLOWTEL_HEARTBEAT_INTERVAL must be longer than 0');
    } finally {
      delete process.env.FLOWTEL_HEARTBEAT_INTERVAL;
    }
  });

  it('emits heartbeats while a flow runs', async () => {
    process.env.FLOWTEL_HEARTBEAT_INTERVAL = '10ms';
    const heartbeat = () => telemetry.logs().find((l) => l.eventName === 'flowtel.heartbeat');
    try {
      // The run lasts until its first heartbeat: a thousand intervals is the bound, not the expectation.
      await flow({ name: 'beating' }, () =>
        vi.waitFor(
          () => {
            if (!heartbeat())
              throw new Error('no flowtel.heartbeat log record within 10 s, at a 10ms interval');
          },
          { timeout: 10_000, interval: 5 },
        ),
      )();
    } finally {
      delete process.env.FLOWTEL_HEARTBEAT_INTERVAL;
    }
    expect(heartbeat()?.attributes['cicd.pipeline.name']).toBe('beating');
  });
});

describe('metrics', () => {
  it('records run and task durations in seconds, errors, retries and lateness, without run ids', async () => {
    let calls = 0;
    const flaky = task(
      'flaky',
      () => {
        if (++calls < 2) throw new Error('reset');
      },
      { retries: 1, retryDelay: 1 },
    );
    const metered = flow({ name: 'metered' }, () => flaky());
    await metered(undefined, { scheduledAt: Date.now() - 1500 });
    await flow({ name: 'metered-fail' }, () => {
      throw new RangeError('x');
    }).run();

    const all = await telemetry.metrics();
    const duration = all.find((m) => m.descriptor.name === 'cicd.pipeline.run.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    const point = metricPoints(all, 'cicd.pipeline.run.duration').find(
      (p) => p.attributes['cicd.pipeline.name'] === 'metered',
    )!;
    expect(point.attributes).toEqual({ 'cicd.pipeline.name': 'metered', 'cicd.pipeline.result': 'success' });
    const { boundaries } = (point.value as { buckets: { boundaries: number[] } }).buckets;
    expect(boundaries).toContain(0.005);
    expect(boundaries).toContain(3600);
    const of = (name: string, flowName: string) =>
      metricPoints(all, name).filter((p) => p.attributes['cicd.pipeline.name'] === flowName);
    expect(of('flowtel.task.run.duration', 'metered').map((p) => p.attributes)).toEqual([
      {
        'cicd.pipeline.name': 'metered',
        'cicd.pipeline.task.name': 'flaky',
        'cicd.pipeline.task.run.result': 'success',
      },
    ]);
    expect(of('flowtel.task.run.retries', 'metered')[0]?.value).toBe(1);
    expect(of('cicd.pipeline.run.errors', 'metered-fail')).toMatchObject([
      { attributes: { 'cicd.pipeline.name': 'metered-fail', 'error.type': 'RangeError' }, value: 1 },
    ]);
    const lateness = metricPoints(all, 'flowtel.flow.run.lateness')[0]!;
    expect((lateness.value as { sum: number }).sum).toBeGreaterThanOrEqual(1.5);
    const active = metricPoints(all, 'cicd.pipeline.run.active');
    expect(active.every((p) => p.value === 0)).toBe(true);
    const attributeValues = JSON.stringify(all.flatMap((m) => m.dataPoints.map((p) => p.attributes)));
    expect(attributeValues).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});

describe('transition records', () => {
  it('delivers every transition to observers, in order, in the documented format', async () => {
    const recorder = recordTransitions();
    const step = task('step', (n: number) => n);
    try {
      await flow(
        { name: 'observed', params: z.object({ customer: z.string(), token: z.string() }), tags: ['t'] },
        () => step(1),
      )({ customer: 'acme', token: 'hunter2' });
    } finally {
      recorder.stop();
    }
    const records: TransitionRecord[] = recorder.records;
    expect(records.map((r) => [r.task ?? 'flow', r.state.name, r.seq])).toEqual([
      ['flow', 'Pending', 1],
      ['flow', 'Running', 2],
      ['step', 'Pending', 3],
      ['step', 'Running', 4],
      ['step', 'Completed', 5],
      ['flow', 'Completed', 6],
    ]);
    const first = records[0]!;
    expect(first).toMatchObject({ v: 1, flow: 'observed', attempt: 1, tags: ['t'], scheduledAt: null });
    expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(records[1]?.params).toEqual({ customer: 'acme', token: '[REDACTED]' });
    expect(records[2]?.taskRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(records[5]?.startedAt).toBe(records[1]?.at);
    expect(JSON.stringify(records)).not.toContain('hunter2');
    expect(new Set(records.map((r) => r.flowRunId)).size).toBe(1);
  });
});
