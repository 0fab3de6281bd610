import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OtlpSpanKind, OtlpStatusCode } from '../../src/receiver/otlp/index.ts';
import { contentTypes, type ReceiverPair, startReceiverPair } from './receivers.ts';

let receivers: ReceiverPair;
beforeEach(async () => {
  receivers = await startReceiverPair();
});
afterEach(async () => {
  await receivers.close();
});

/** A flow span with a task child, exported by the real protobuf and JSON exporters at once. */
async function exportFlowTrace(compression = CompressionAlgorithm.NONE) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders-etl', 'service.instance.id': 'instance-1' }),
    spanProcessors: [
      new SimpleSpanProcessor(
        new ProtobufTraceExporter({ url: `${receivers.protobuf.url}/v1/traces`, compression }),
      ),
      new SimpleSpanProcessor(new JsonTraceExporter({ url: `${receivers.json.url}/v1/traces`, compression })),
    ],
  });
  const tracer = provider.getTracer('flowtel', '0.1.0');
  const flow = tracer.startSpan('flow nightly-orders', {
    kind: SpanKind.SERVER,
    attributes: {
      'cicd.pipeline.name': 'nightly-orders',
      'flowtel.flow.lateness_ms': 1250,
      'flowtel.parameter.ratio': 0.25,
      'flowtel.parameter.dryRun': false,
      'flowtel.flow.tags': ['orders', 'nightly'],
      'flowtel.parameter.sizes': [1, 2.5, 3],
      'flowtel.parameter.switches': [true, false],
    },
  });
  const task = tracer.startSpan(
    'task fetch-orders',
    { kind: SpanKind.INTERNAL },
    trace.setSpan(ROOT_CONTEXT, flow),
  );
  task.addEvent('flowtel.state', { 'flowtel.state.type': 'RUNNING', 'flowtel.attempt': 1 });
  task.recordException(new TypeError('socket hang up'));
  task.setStatus({ code: SpanStatusCode.ERROR, message: 'socket hang up' });
  task.end();
  flow.setStatus({ code: SpanStatusCode.OK });
  flow.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { flow: flow.spanContext(), task: task.spanContext() };
}

/** One request per span: two requests in flight may arrive in either order. */
function byName<T extends { name: string }>(spans: readonly T[]): T[] {
  return [...spans].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

describe('receiving spans from the OpenTelemetry exporters', () => {
  it('decodes the same spans from a protobuf export and a JSON export', async () => {
    await exportFlowTrace();

    expect(contentTypes(receivers.protobuf)).toEqual(['application/x-protobuf']);
    expect(contentTypes(receivers.json)).toEqual(['application/json']);
    expect(receivers.protobuf.spans).toHaveLength(2);
    expect(byName(receivers.json.spans)).toEqual(byName(receivers.protobuf.spans));
  });

  it('keeps trace and parent ids, so the task span sits under its flow span', async () => {
    const { flow, task } = await exportFlowTrace();

    for (const spans of [receivers.protobuf.spans, receivers.json.spans]) {
      const flowSpan = spans.find((span) => span.name === 'flow nightly-orders');
      const taskSpan = spans.find((span) => span.name === 'task fetch-orders');
      expect(flowSpan).toMatchObject({ traceId: flow.traceId, spanId: flow.spanId });
      expect(flowSpan).not.toHaveProperty('parentSpanId');
      expect(taskSpan).toMatchObject({
        traceId: flow.traceId,
        spanId: task.spanId,
        parentSpanId: flow.spanId,
      });
    }
  });

  it('keeps span kinds, attributes of every type, events, status, resource and scope', async () => {
    await exportFlowTrace();
    const flowSpan = receivers.protobuf.spans.find((span) => span.name === 'flow nightly-orders');
    const taskSpan = receivers.protobuf.spans.find((span) => span.name === 'task fetch-orders');

    expect(flowSpan).toMatchObject({
      kind: OtlpSpanKind.SERVER,
      attributes: {
        'cicd.pipeline.name': 'nightly-orders',
        'flowtel.flow.lateness_ms': 1250,
        'flowtel.parameter.ratio': 0.25,
        'flowtel.parameter.dryRun': false,
        'flowtel.flow.tags': ['orders', 'nightly'],
        'flowtel.parameter.sizes': [1, 2.5, 3],
        'flowtel.parameter.switches': [true, false],
      },
      status: { code: OtlpStatusCode.OK },
      resource: { 'service.name': 'orders-etl', 'service.instance.id': 'instance-1' },
      scope: { name: 'flowtel', version: '0.1.0' },
    });
    expect(taskSpan).toMatchObject({
      kind: OtlpSpanKind.INTERNAL,
      status: { code: OtlpStatusCode.ERROR, message: 'socket hang up' },
      events: [
        { name: 'flowtel.state', attributes: { 'flowtel.state.type': 'RUNNING', 'flowtel.attempt': 1 } },
        {
          name: 'exception',
          attributes: { 'exception.type': 'TypeError', 'exception.message': 'socket hang up' },
        },
      ],
    });
  });

  it('reports span times as exact nanoseconds, the end after the start', async () => {
    await exportFlowTrace();

    for (const span of receivers.protobuf.spans) {
      expect(typeof span.startTimeUnixNano).toBe('bigint');
      expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
      expect(span.events.every((event) => event.timeUnixNano >= span.startTimeUnixNano)).toBe(true);
    }
  });

  it('accepts gzip-compressed exports in both encodings', async () => {
    await exportFlowTrace(CompressionAlgorithm.GZIP);

    expect(receivers.protobuf.requests.map((request) => request.contentEncoding)).toEqual(['gzip', 'gzip']);
    expect(receivers.json.requests.map((request) => request.contentEncoding)).toEqual(['gzip', 'gzip']);
    expect(byName(receivers.protobuf.spans).map((span) => span.name)).toEqual([
      'flow nightly-orders',
      'task fetch-orders',
    ]);
    expect(byName(receivers.json.spans)).toEqual(byName(receivers.protobuf.spans));
  });
});
