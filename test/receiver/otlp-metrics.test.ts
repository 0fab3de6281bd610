import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecodedMetric } from '../../src/receiver/otlp/index.ts';
import { contentTypes, type ReceiverPair, startReceiverPair } from './receivers.ts';

let receivers: ReceiverPair;
beforeEach(async () => {
  receivers = await startReceiverPair();
});
afterEach(async () => {
  await receivers.close();
});

/** Only shutting down exports: the interval is far longer than any test. */
function readerFor(exporter: PushMetricExporter) {
  return new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
}

/** A run-duration histogram, an error counter and an active-runs up-down counter, through both exporters. */
async function exportFlowMetrics() {
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders-etl' }),
    readers: [
      readerFor(new ProtobufMetricExporter({ url: `${receivers.protobuf.url}/v1/metrics` })),
      readerFor(new JsonMetricExporter({ url: `${receivers.json.url}/v1/metrics` })),
    ],
  });
  const meter = provider.getMeter('flowtel', '0.1.0');
  const duration = meter.createHistogram('cicd.pipeline.run.duration', {
    unit: 's',
    description: 'Duration of flow runs',
    advice: { explicitBucketBoundaries: [0.5, 1, 5, 30] },
  });
  const errors = meter.createCounter('cicd.pipeline.run.errors', { valueType: ValueType.INT });
  const active = meter.createUpDownCounter('cicd.pipeline.run.active');
  const flow = { 'cicd.pipeline.name': 'nightly-orders' };

  for (const seconds of [0.2, 2, 2, 100])
    duration.record(seconds, { ...flow, 'cicd.pipeline.result': 'success' });
  errors.add(1, { ...flow, 'error.type': 'TimeoutError' });
  errors.add(2, { ...flow, 'error.type': 'TimeoutError' });
  active.add(1, { ...flow, 'cicd.pipeline.run.state': 'executing' });
  active.add(1, { ...flow, 'cicd.pipeline.run.state': 'executing' });
  active.add(-1, { ...flow, 'cicd.pipeline.run.state': 'executing' });

  await provider.shutdown(); // collects and exports once more, then stops
}

function named(metrics: DecodedMetric[], name: string): DecodedMetric | undefined {
  return metrics.find((metric) => metric.name === name);
}

/** Each reader stamps its own collection time; everything else must match across encodings. */
function withoutCollectionTime(metrics: DecodedMetric[]) {
  return metrics.map((metric) => ({
    ...metric,
    dataPoints: metric.dataPoints.map(({ timeUnixNano: _collectedAt, ...point }) => point),
  }));
}

describe('receiving metrics from the OpenTelemetry exporters', () => {
  it('decodes the same metrics from a protobuf export and a JSON export', async () => {
    await exportFlowMetrics();

    expect(contentTypes(receivers.protobuf)).toEqual(['application/x-protobuf']);
    expect(contentTypes(receivers.json)).toEqual(['application/json']);
    expect(receivers.protobuf.metrics).toHaveLength(3);
    expect(withoutCollectionTime(receivers.json.metrics)).toEqual(
      withoutCollectionTime(receivers.protobuf.metrics),
    );
  });

  it('keeps a histogram with its explicit bucket boundaries, counts, sum, min and max', async () => {
    await exportFlowMetrics();

    expect(named(receivers.protobuf.metrics, 'cicd.pipeline.run.duration')).toMatchObject({
      type: 'histogram',
      unit: 's',
      description: 'Duration of flow runs',
      aggregationTemporality: 2, // cumulative, the exporters' default
      resource: { 'service.name': 'orders-etl' },
      scope: { name: 'flowtel', version: '0.1.0' },
      dataPoints: [
        {
          attributes: { 'cicd.pipeline.name': 'nightly-orders', 'cicd.pipeline.result': 'success' },
          count: 4,
          sum: 104.2,
          min: 0.2,
          max: 100,
          explicitBounds: [0.5, 1, 5, 30],
          bucketCounts: [1, 0, 2, 0, 1],
        },
      ],
    });
  });

  it('keeps a counter as a monotonic sum of integers', async () => {
    await exportFlowMetrics();

    expect(named(receivers.protobuf.metrics, 'cicd.pipeline.run.errors')).toMatchObject({
      type: 'sum',
      isMonotonic: true,
      dataPoints: [
        { attributes: { 'cicd.pipeline.name': 'nightly-orders', 'error.type': 'TimeoutError' }, value: 3 },
      ],
    });
  });

  it('keeps an up-down counter as a non-monotonic sum', async () => {
    await exportFlowMetrics();

    expect(named(receivers.protobuf.metrics, 'cicd.pipeline.run.active')).toMatchObject({
      type: 'sum',
      isMonotonic: false,
      dataPoints: [{ attributes: { 'cicd.pipeline.run.state': 'executing' }, value: 1 }],
    });
  });
});
