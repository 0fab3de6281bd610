import { gzipSync } from 'node:zlib';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { notified, ORDERS, RULES, runIdOf, runReportingTo } from './fixtures/api/support.ts';

/**
 * `flowtel serve` as the central alerting service: separate `flowtel run` processes (alerting off) export
 * their runs to serve's OTLP port with their real exporters, in both encodings; serve records them,
 * alerts on them through a webhook, and forwards what it receives upstream.
 */

let hook: SlackServer;
let upstream: OtlpReceiver;
let serve: ServeProcess;
beforeAll(async () => {
  [hook, upstream] = await Promise.all([startSlackServer(), startOtlpReceiver()]);
  serve = await startServe(['--rules', RULES, '--forward', upstream.url], { env: { HOOK_URL: hook.url } });
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await Promise.all([hook?.close(), upstream?.close()]);
});

describe("serve fed by outside processes' exporters", () => {
  it('alerts on a failed run and resolves on the next good one, in both encodings', async () => {
    const failedProto = await runReportingTo(serve, 'http/protobuf', ORDERS, ['--param', 'fail=true']);
    expect(failedProto.code).toBe(1);
    await until('the firing notification', () => notified(hook, 'firing', 'api-orders')[0]);
    expect(notified(hook, 'firing', 'api-orders')[0]?.summaries[0]).toContain(
      'insert into orders failed for 2026-11-24',
    );

    const goodJson = await runReportingTo(serve, 'http/json', ORDERS);
    expect(goodJson.code).toBe(0);
    await until('the resolved notification', () => notified(hook, 'resolved', 'api-orders')[0]);

    const failedJson = await runReportingTo(serve, 'http/json', ORDERS, ['--param', 'fail=true']);
    expect(failedJson.code).toBe(1);
    await until('the second firing', () => notified(hook, 'firing', 'api-orders')[1]);
    const goodProto = await runReportingTo(serve, 'http/protobuf', ORDERS);
    expect(goodProto.code).toBe(0);
    await until('the second resolution', () => notified(hook, 'resolved', 'api-orders')[1]);
    expect(notified(hook, 'firing', 'api-orders')).toHaveLength(2);
    expect(notified(hook, 'resolved', 'api-orders')).toHaveLength(2);

    // History: the four runs, newest first, all heard over OTLP.
    const ids = [failedProto, goodJson, failedJson, goodProto].map((run) => runIdOf(run.stdout));
    const listed = await until('the four runs in history', async () => {
      const { body } = await serve.api('/api/v1/runs?flow=api-orders');
      return body.runs.length === 4 && body.runs.every((r: { endedAt: unknown }) => r.endedAt)
        ? body
        : undefined;
    });
    expect(listed.runs.map((run: { id: string }) => run.id)).toEqual([...ids].reverse());
    expect(listed.runs.map((run: { source: string }) => run.source)).toEqual([
      'otlp',
      'otlp',
      'otlp',
      'otlp',
    ]);
    expect(listed.runs.map((run: { state: { name: string } }) => run.state.name)).toEqual([
      'Completed',
      'Failed',
      'Completed',
      'Failed',
    ]);
    expect(hook.requests.map((request) => JSON.stringify(request.body)).join('\n')).not.toContain(
      'orders-token-that-must-not-show',
    );
  }, 120_000);

  it("keeps a failed run's redacted params, its failed task run and its transitions in order, each once", async () => {
    const failed = await runReportingTo(serve, 'http/protobuf', ORDERS, [
      '--param',
      'fail=true',
      '--param',
      'day=2026-12-01',
    ]);
    const id = runIdOf(failed.stdout);
    const detail = await until('the run ended in history', async () => {
      const { status, body } = await serve.api(`/api/v1/runs/${id}`);
      return status === 200 && body.endedAt !== null ? body : undefined;
    });
    expect(detail).toMatchObject({
      id,
      flow: 'api-orders',
      source: 'otlp',
      state: { type: 'FAILED', name: 'Failed' },
      params: { day: '2026-12-01', fail: true, apiToken: '[REDACTED]' },
      tags: ['orders'],
    });
    expect(detail.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(detail.taskRuns).toMatchObject([
      {
        task: 'load',
        attempts: 2,
        state: { type: 'FAILED', name: 'Failed' },
        error: { message: 'insert into orders failed for 2026-12-01' },
      },
    ]);
    const flowStates = detail.transitions
      .filter((record: { task?: string }) => record.task === undefined)
      .map((record: { state: { name: string } }) => record.state.name);
    expect(flowStates).toEqual(['Pending', 'Running', 'Failed']);
    // A span and a log record of one transition: kept once. Flow-run transitions are told apart by their
    // seq; a task's by (task run, state, attempt), since one rebuilt from its span carries no seq.
    const flowSeqs = detail.transitions
      .filter((record: { task?: string }) => record.task === undefined)
      .map((record: { seq: number }): number => record.seq);
    expect(flowSeqs).toEqual([...new Set<number>(flowSeqs)].sort((a: number, b: number) => a - b));
    const keys = detail.transitions.map(
      (record: {
        task?: string;
        taskRunId?: string;
        seq: number;
        state: { name: string };
        attempt: number;
      }) =>
        record.task === undefined
          ? `flow ${record.seq}`
          : `${record.taskRunId} ${record.state.name} ${record.attempt}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(JSON.stringify(detail)).not.toContain('orders-token-that-must-not-show');
  }, 60_000);

  it('forwards what it receives, unchanged, to the --forward upstream', async () => {
    const run = await runReportingTo(serve, 'http/json', ORDERS);
    const traceId = /trace id +([0-9a-f]{32})/.exec(run.stdout)?.[1];
    await upstream.waitFor(() => upstream.spans.some((span) => span.traceId === traceId), 30_000);
    const flowSpan = upstream.spans.find(
      (span) => span.traceId === traceId && span.name === 'flow api-orders',
    );
    expect(flowSpan?.attributes).toMatchObject({
      'cicd.pipeline.name': 'api-orders',
      'cicd.pipeline.run.id': runIdOf(run.stdout),
      'cicd.pipeline.result': 'success',
    });
    await upstream.waitFor(() => upstream.logs.some((record) => record.traceId === traceId), 30_000);

    // A gzipped body goes on as it came: still gzipped, the same span inside.
    const span = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'hand-made',
      kind: 1,
      startTimeUnixNano: '1764000000000000000',
      endTimeUnixNano: '1764000001000000000',
      attributes: [{ key: 'forwarded.check', value: { stringValue: 'as sent' } }],
    };
    const body = gzipSync(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }));
    const answer = await fetch(`${serve.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(answer.status).toBe(200);
    await upstream.waitFor(() => upstream.spans.some((received) => received.name === 'hand-made'), 30_000);
    expect(upstream.spans.find((received) => received.name === 'hand-made')).toMatchObject({
      traceId: span.traceId,
      spanId: span.spanId,
      attributes: { 'forwarded.check': 'as sent' },
    });
    expect(upstream.requests.at(-1)).toMatchObject({ contentEncoding: 'gzip', status: 200 });
  }, 60_000);
});

describe('a pipeline not written with flowtel', () => {
  it('becomes a run from its cicd.pipeline.* spans, and its failure alerts', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'deploy-scripts' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${serve.otlpUrl}/v1/traces` }))],
    });
    const tracer = provider.getTracer('deploy-scripts');
    const runId = 'deploy-2026-12-01-1';
    // As a deploy script would: a pipeline span, and a task span under it that failed.
    const pipeline = tracer.startSpan('deploy', {
      attributes: { 'cicd.pipeline.name': 'outside-deploy', 'cicd.pipeline.run.id': runId },
    });
    const migrate = tracer.startSpan(
      'migrate',
      { attributes: { 'cicd.pipeline.name': 'outside-deploy', 'cicd.pipeline.task.name': 'migrate' } },
      trace.setSpan(context.active(), pipeline),
    );
    migrate.recordException(new Error('relation "orders" already exists'));
    migrate.setAttribute('cicd.pipeline.task.run.result', 'failure');
    migrate.setStatus({ code: SpanStatusCode.ERROR, message: 'relation "orders" already exists' });
    migrate.end();
    pipeline.setAttribute('cicd.pipeline.result', 'failure');
    pipeline.setStatus({ code: SpanStatusCode.ERROR, message: 'migrate failed' });
    pipeline.end();
    await provider.shutdown();

    const firing = await until(
      "the outside pipeline's alert",
      () => notified(hook, 'firing', 'outside-deploy')[0],
    );
    expect(firing).toMatchObject({
      rule: 'any-flow-failed',
      summaries: [expect.stringContaining('migrate failed')],
    });
    const { status, body } = await serve.api(`/api/v1/runs/${runId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      flow: 'outside-deploy',
      source: 'otlp',
      state: { type: 'FAILED', name: 'Failed' },
      error: { message: 'migrate failed' },
      taskRuns: [
        {
          task: 'migrate',
          state: { name: 'Failed' },
          error: { message: 'relation "orders" already exists' },
        },
      ],
    });
  }, 60_000);
});
