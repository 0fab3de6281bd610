import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IngestReceiver, startIngestReceiver } from './ingest-harness.ts';

const T0 = Date.parse('2026-11-25T01:30:00.000Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

let receiver: IngestReceiver;
beforeEach(async () => {
  receiver = await startIngestReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** A CI pipeline instrumented with the OpenTelemetry SDK alone, by the CI/CD semantic conventions. */
async function exportPipeline(exporter: ProtobufTraceExporter | JsonTraceExporter) {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('legacy-ci', '2.1.0');
  const pipeline = tracer.startSpan('build legacy-etl', {
    startTime: T0,
    attributes: { 'cicd.pipeline.name': 'legacy-etl', 'cicd.pipeline.run.id': 'build-42' },
  });
  const inPipeline = trace.setSpan(context.active(), pipeline);
  const lint = tracer.startSpan(
    'lint',
    {
      startTime: T0 + 100,
      attributes: { 'cicd.pipeline.task.name': 'lint', 'cicd.pipeline.task.run.result': 'success' },
    },
    inPipeline,
  );
  lint.end(T0 + 900);
  const compile = tracer.startSpan(
    'compile',
    {
      startTime: T0 + 1_000,
      attributes: { 'cicd.pipeline.task.name': 'compile', 'cicd.pipeline.task.run.id': 'compile-1' },
    },
    inPipeline,
  );
  compile.recordException(new RangeError('exit code 2'), T0 + 4_000);
  compile.setStatus({ code: SpanStatusCode.ERROR });
  compile.setAttribute('cicd.pipeline.task.run.result', 'failure');
  compile.end(T0 + 4_000);
  pipeline.setAttributes({ 'cicd.pipeline.result': 'failure', 'error.type': 'StepFailed' });
  pipeline.setStatus({ code: SpanStatusCode.ERROR, message: 'step compile failed' });
  pipeline.end(T0 + 5_000);

  const nightly = tracer.startSpan('nightly', {
    startTime: T0,
    attributes: { 'cicd.pipeline.name': 'docs' },
  });
  nightly.end(T0 + 2_000);
  await provider.forceFlush();
  await provider.shutdown();
  return {
    traceId: pipeline.spanContext().traceId,
    nightlyTraceId: nightly.spanContext().traceId,
    ids: {
      pipeline: pipeline.spanContext().spanId,
      compile: compile.spanContext().spanId,
      nightly: nightly.spanContext().spanId,
    },
  };
}

describe.each([
  ['http/protobuf', (url: string) => new ProtobufTraceExporter({ url })],
  ['http/json', (url: string) => new JsonTraceExporter({ url })],
])('a pipeline not written with flowtel, exported in %s', (_protocol, exporterFor) => {
  it('becomes a run: Running at its start, its failed task, then its result at its end', async () => {
    const { traceId, nightlyTraceId, ids } = await exportPipeline(exporterFor(`${receiver.url}/v1/traces`));
    const run = { flow: 'legacy-etl', flowRunId: 'build-42' };
    const common = { v: 1, attempt: 1, traceId, tags: [], scheduledAt: null };

    expect(receiver.transitions).toEqual([
      {
        ...common,
        seq: 1,
        at: iso(0),
        ...run,
        state: { type: 'RUNNING', name: 'Running' },
        spanId: ids.pipeline,
      },
      {
        ...common,
        seq: 0,
        at: iso(4_000),
        ...run,
        task: 'compile',
        taskRunId: 'compile-1',
        state: { type: 'FAILED', name: 'Failed' },
        message: 'RangeError: exit code 2',
        error: { type: 'RangeError', message: 'exit code 2' },
        spanId: ids.compile,
      },
      {
        ...common,
        seq: 2,
        at: iso(5_000),
        ...run,
        state: { type: 'FAILED', name: 'Failed' },
        message: 'StepFailed: step compile failed',
        error: { type: 'StepFailed', message: 'step compile failed' },
        spanId: ids.pipeline,
        startedAt: iso(0),
      },
      {
        ...common,
        traceId: nightlyTraceId,
        seq: 1,
        at: iso(0),
        flow: 'docs',
        flowRunId: nightlyTraceId,
        state: { type: 'RUNNING', name: 'Running' },
        spanId: ids.nightly,
      },
      {
        ...common,
        traceId: nightlyTraceId,
        seq: 2,
        at: iso(2_000),
        flow: 'docs',
        flowRunId: nightlyTraceId,
        state: { type: 'COMPLETED', name: 'Completed' },
        spanId: ids.nightly,
        startedAt: iso(0),
      },
    ]);
  });
});
