import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentTypes, type ReceiverPair, startReceiverPair } from './receivers.ts';

let receivers: ReceiverPair;
beforeEach(async () => {
  receivers = await startReceiverPair();
});
afterEach(async () => {
  await receivers.close();
});

const runSpan = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

/** A retry record correlated with a span, and a structured record without one, through both exporters. */
async function exportFlowLogs() {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders-etl' }),
    processors: [
      new SimpleLogRecordProcessor({
        exporter: new ProtobufLogExporter({ url: `${receivers.protobuf.url}/v1/logs` }),
      }),
      new SimpleLogRecordProcessor({
        exporter: new JsonLogExporter({ url: `${receivers.json.url}/v1/logs` }),
      }),
    ],
  });
  const logger = provider.getLogger('flowtel', '0.1.0');
  logger.emit({
    eventName: 'flowtel.state',
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'task fetch-orders is retrying',
    attributes: { 'flowtel.attempt': 2, 'flowtel.state.name': 'Retrying', seq: 7 },
    context: trace.setSpanContext(ROOT_CONTEXT, runSpan),
  });
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    body: { message: 'fetched orders', count: 120, ratio: 0.5, tags: ['orders'], nested: { dryRun: false } },
  });
  await provider.forceFlush();
  await provider.shutdown();
}

describe('receiving log records from the OpenTelemetry exporters', () => {
  it('decodes the same records from a protobuf export and a JSON export', async () => {
    await exportFlowLogs();

    expect(contentTypes(receivers.protobuf)).toEqual(['application/x-protobuf']);
    expect(contentTypes(receivers.json)).toEqual(['application/json']);
    expect(receivers.protobuf.logs).toHaveLength(2);
    expect(receivers.json.logs).toEqual(receivers.protobuf.logs);
  });

  it('keeps severity, body, attributes, event name and the trace the record belongs to', async () => {
    await exportFlowLogs();

    expect(receivers.protobuf.logs[0]).toMatchObject({
      eventName: 'flowtel.state',
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'task fetch-orders is retrying',
      attributes: { 'flowtel.attempt': 2, 'flowtel.state.name': 'Retrying', seq: 7 },
      traceId: runSpan.traceId,
      spanId: runSpan.spanId,
      resource: { 'service.name': 'orders-etl' },
      scope: { name: 'flowtel', version: '0.1.0' },
    });
  });

  it('turns a structured body into a plain object, and leaves uncorrelated records without ids', async () => {
    await exportFlowLogs();
    const record = receivers.protobuf.logs[1];

    expect(record?.body).toEqual({
      message: 'fetched orders',
      count: 120,
      ratio: 0.5,
      tags: ['orders'],
      nested: { dryRun: false },
    });
    expect(record?.severityNumber).toBe(SeverityNumber.INFO);
    expect(record).not.toHaveProperty('traceId');
    expect(record).not.toHaveProperty('spanId');
    expect(record).not.toHaveProperty('eventName');
  });

  it('stamps every record with the time it was observed', async () => {
    await exportFlowLogs();

    for (const record of receivers.protobuf.logs) expect(record.observedTimeUnixNano).toBeGreaterThan(0n);
  });
});
