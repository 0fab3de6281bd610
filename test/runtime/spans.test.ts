import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { currentRun, flow, task } from 'flowtel';
import { setupTestTelemetry, type TestTelemetry } from 'flowtel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { childrenOf, exceptionEvents, named, only, parentOf, stateNames } from '../support/spans.ts';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());
afterAll(() => telemetry.shutdown());

describe('the span tree of a flow run', () => {
  it('nests a subflow and concurrent task runs under the flow span, one trace in all', async () => {
    const double = task('double', async (n: number) => n * 2);
    const sum = task('sum', (values: number[]) => values.reduce((a, b) => a + b, 0));
    const child = flow({ name: 'child' }, async () => double(21));
    const parent = flow({ name: 'parent', tags: ['orders', 'nightly'] }, async () => {
      const values = await Promise.all([double(1), double(2), double(3)]);
      return (await sum(values)) + (await child());
    });

    expect(await parent()).toBe(54);

    const spans = telemetry.spans();
    const root = only(spans, 'flow parent');
    const sub = only(spans, 'flow child');
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.parentSpanContext).toBeUndefined();
    expect(sub.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(spans, sub)).toBe(root);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);

    const doubles = named(spans, 'task double');
    expect(doubles).toHaveLength(4);
    expect(
      childrenOf(spans, root)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['flow child', 'task double', 'task double', 'task double', 'task sum']);
    expect(childrenOf(spans, sub).map((s) => s.name)).toEqual(['task double']);
    for (const s of [...doubles, only(spans, 'task sum')]) expect(s.kind).toBe(SpanKind.INTERNAL);

    expect(root.attributes).toMatchObject({
      'cicd.pipeline.name': 'parent',
      'cicd.pipeline.result': 'success',
      'flowtel.flow.tags': ['orders', 'nightly'],
    });
    expect(root.attributes['cicd.pipeline.run.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(sub.attributes['flowtel.flow.parent_run_id']).toBe(root.attributes['cicd.pipeline.run.id']);
    const first = doubles[0]!;
    expect(first.attributes).toMatchObject({
      'cicd.pipeline.task.name': 'double',
      'cicd.pipeline.task.run.result': 'success',
      'flowtel.task.attempts': 1,
    });
    expect(first.attributes['cicd.pipeline.task.run.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(stateNames(root)).toEqual(['Pending', 'Running', 'Completed']);
    expect(stateNames(first)).toEqual(['Pending', 'Running', 'Completed']);
    for (const s of spans) expect(s.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('makes spans that user code starts inside a task children of the task span', async () => {
    const fetchRows = task('fetch-rows', async () => {
      await trace.getTracer('user-code').startActiveSpan('SELECT rows', async (span) => span.end());
      return 3;
    });
    await flow({ name: 'with-client-span' }, () => fetchRows())();

    const spans = telemetry.spans();
    expect(parentOf(spans, only(spans, 'SELECT rows'))).toBe(only(spans, 'task fetch-rows'));
  });

  it('runs a task called outside any flow as a span of its own, with currentRun() inside', async () => {
    const seen: unknown[] = [];
    const standalone = task('standalone', () => {
      const run = currentRun();
      seen.push(run?.flowRunId, run?.taskName, run?.attempt);
      return 'ok';
    });

    expect(await standalone()).toBe('ok');
    expect(currentRun()).toBeUndefined();
    expect(seen).toEqual([undefined, 'standalone', 1]);
    const span = only(telemetry.spans(), 'task standalone');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.attributes['cicd.pipeline.name']).toBeUndefined();
    expect(stateNames(span)).toEqual(['Pending', 'Running', 'Completed']);
  });

  it('parents a root flow run on the TRACEPARENT it was handed, as a SERVER span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    process.env.TRACEPARENT = `00-${traceId}-00f067aa0ba902b7-01`;
    try {
      await flow({ name: 'child-process' }, async () => 1)();
    } finally {
      delete process.env.TRACEPARENT;
    }
    const span = only(telemetry.spans(), 'flow child-process');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span.kind).toBe(SpanKind.SERVER);
  });

  it('nests under the span that is active when the flow is called, as an INTERNAL span', async () => {
    await trace.getTracer('app').startActiveSpan('POST /jobs', async (span) => {
      await flow({ name: 'from-handler' }, async () => 1)();
      span.end();
    });
    const spans = telemetry.spans();
    const run = only(spans, 'flow from-handler');
    expect(parentOf(spans, run)).toBe(only(spans, 'POST /jobs'));
    expect(run.kind).toBe(SpanKind.INTERNAL);
  });

  it('records parameters as attributes, never the value of a secret one', async () => {
    const secretValue = 'sk-live-0123456789';
    const withSecrets = flow(
      {
        name: 'with-secrets',
        params: z.object({
          day: z.string(),
          limit: z.number().default(10),
          apiToken: z.string(),
          warehouse: z.string().meta({ secret: true }),
          options: z.object({ region: z.string(), password: z.string() }),
          notes: z.string().optional(),
        }),
      },
      async () => 'done',
    );

    await withSecrets({
      day: '2026-11-24',
      apiToken: secretValue,
      warehouse: `${secretValue}-wh`,
      options: { region: 'eu', password: `${secretValue}-pw` },
      notes: 'x'.repeat(5000),
    });

    const span = only(telemetry.spans(), 'flow with-secrets');
    expect(span.attributes).toMatchObject({
      'flowtel.parameter.day': '2026-11-24',
      'flowtel.parameter.limit': 10,
      'flowtel.parameter.apiToken': '[REDACTED]',
      'flowtel.parameter.warehouse': '[REDACTED]',
      'flowtel.parameter.options': '{"region":"eu","password":"[REDACTED]"}',
    });
    expect(String(span.attributes['flowtel.parameter.notes']).length).toBeLessThan(1100);
    const exported = JSON.stringify([
      telemetry.spans().map((s) => [s.attributes, s.events]),
      telemetry.logs().map((l) => [l.attributes, l.body]),
    ]);
    expect(exported).not.toContain(secretValue);
  });

  it('finds a secret marked on a nested schema field, in objects and in the items of arrays', async () => {
    const nested = flow(
      {
        name: 'nested-secrets',
        params: z.object({
          warehouse: z.object({ code: z.string(), inner: z.string().meta({ secret: true }) }),
          targets: z.array(z.object({ host: z.string(), credentialRef: z.string().meta({ secret: true }) })),
        }),
        secrets: ['warehouse.code'],
      },
      async () => 'done',
    );

    await nested({
      warehouse: { code: 'wh-code-77aa', inner: 'inner-s3cret-1' },
      targets: [{ host: 'db1', credentialRef: 'ref-s3cret-2' }],
    });

    const span = only(telemetry.spans(), 'flow nested-secrets');
    expect(span.attributes).toMatchObject({
      'flowtel.parameter.warehouse': '{"code":"[REDACTED]","inner":"[REDACTED]"}',
      'flowtel.parameter.targets': '[{"host":"db1","credentialRef":"[REDACTED]"}]',
    });
  });

  it('redacts the value of a secret parameter inside an error message, and secret-looking log attributes', async () => {
    const token = 'tok-9f8e7d6c5b4a';
    const call = task('call', async (apiToken: string) => {
      currentRun()?.log.info('calling', { password: 'hunter2-pass', region: 'eu' });
      throw new Error(`401 for token ${apiToken}`);
    });
    const calls = flow({ name: 'calls', params: z.object({ apiToken: z.string() }) }, async ({ apiToken }) =>
      call(apiToken),
    );

    const run = await calls.run({ apiToken: token });

    expect(run.state.type).toBe('FAILED');
    const exported = JSON.stringify([
      telemetry.spans().map((s) => [s.attributes, s.events, s.status]),
      telemetry.logs().map((l) => [l.attributes, l.body]),
    ]);
    expect(exported).toContain('401 for token [REDACTED]');
    expect(exported).not.toContain(token);
    expect(exported).not.toContain('hunter2-pass');
    expect(exported).toContain('"region":"eu"');
  });
});

describe('retries', () => {
  it('traces a task retried twice then succeeding: three attempt spans, the task span clean', async () => {
    let calls = 0;
    const flaky = task(
      'flaky',
      async () => {
        calls++;
        if (calls < 3) throw new TypeError(`connection reset #${calls}`);
        return currentRun()?.attempt;
      },
      { retries: 3, retryDelay: 1 },
    );

    expect(await flow({ name: 'retrying' }, () => flaky())()).toBe(3);

    const spans = telemetry.spans();
    const taskSpan = only(spans, 'task flaky');
    const attempts = named(spans, 'attempt flaky').sort(
      (a, b) => Number(a.attributes['flowtel.attempt']) - Number(b.attributes['flowtel.attempt']),
    );
    expect(attempts.map((a) => a.attributes['flowtel.attempt'])).toEqual([1, 2, 3]);
    // Every span of a run names its flow: a Collector routing by it keeps the run together.
    expect(attempts.map((a) => a.attributes['cicd.pipeline.name'])).toEqual([
      'retrying',
      'retrying',
      'retrying',
    ]);
    for (const a of attempts)
      expect(a.duration[0] * 1e9 + a.duration[1], 'attempt duration').toBeGreaterThan(0);
    for (const a of attempts) expect(parentOf(spans, a)).toBe(taskSpan);
    expect(attempts.map((a) => a.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(attempts.map((a) => a.attributes['error.type'])).toEqual(['TypeError', 'TypeError', undefined]);
    expect(attempts.map((a) => exceptionEvents(a).length)).toEqual([1, 1, 0]);
    expect(taskSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(exceptionEvents(taskSpan)).toHaveLength(0);
    expect(taskSpan.attributes['error.type']).toBeUndefined();
    expect(taskSpan.attributes).toMatchObject({
      'flowtel.task.attempts': 3,
      'cicd.pipeline.task.run.result': 'success',
    });
    expect(stateNames(taskSpan)).toEqual([
      'Pending',
      'Running',
      'AwaitingRetry',
      'Retrying',
      'AwaitingRetry',
      'Retrying',
      'Completed',
    ]);
  });
});
