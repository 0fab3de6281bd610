import type { Counter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LoggerProvider, LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { MeterProvider, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { Metric, SCOPE_NAME } from '../telemetry/keys.ts';
import type { OtelConfig } from './config.ts';
import { Connections } from './connections.ts';
import { type Exporter, ExportGuard } from './export-guard.ts';
import { logExporter, metricExporter, traceExporter } from './exporters.ts';
import { importPeer } from './peer.ts';
import { SpanPipeline } from './span-pipeline.ts';
import { loadTraceSdk } from './trace-sdk.ts';

/** The three providers and the pieces of them that a shutdown needs to reach. */
export interface Providers {
  readonly tracerProvider: TracerProvider;
  readonly loggerProvider: LoggerProvider;
  readonly meterProvider: MeterProvider;
  /** Absent when `OTEL_TRACES_EXPORTER=none`. */
  readonly spans: SpanPipeline | undefined;
  readonly logGuard: ExportGuard<unknown> | undefined;
  readonly metricGuard: ExportGuard<unknown> | undefined;
  readonly connections: Connections;
}

/** Log records: no backpressure (a run writes few), but room for a burst of retries and failures. */
const LOG_BATCHING = { maxQueueSize: 8_192, maxExportBatchSize: 2_048, scheduledDelayMillis: 200 };
/** Backpressure stops waiting when no span export settled for this long (an export times out at 10 s). */
const STALL_MS = 12_000;

/**
 * Builds the providers by hand rather than through NodeSDK: NodeSDK would pick the resource detectors
 * (the process detector among them, which exports the command line) and build its own batch span
 * processor, where we need ours around it to count, size and apply backpressure. The SDK packages are
 * imported here, on demand, so that importing `flowtel/otel` costs nothing.
 */
export async function createProviders(config: OtelConfig, resource: Resource): Promise<Providers> {
  const [traceSdk, sdkLogs, sdkMetrics] = await Promise.all([
    loadTraceSdk(),
    importPeer('@opentelemetry/sdk-logs', () => import('@opentelemetry/sdk-logs')),
    importPeer('@opentelemetry/sdk-metrics', () => import('@opentelemetry/sdk-metrics')),
  ]);
  const { traces, logs, metrics } = config.signals;
  const connections = new Connections();

  let metricGuard: ExportGuard<unknown> | undefined;
  const readers = [];
  if (metrics.export) {
    const exporter = await metricExporter(metrics.protocol, connections);
    metricGuard = new ExportGuard(exporter as unknown as Exporter<unknown>);
    readers.push(
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: withMetricSelectors(metricGuard, exporter),
        exportIntervalMillis: config.metricIntervalMs,
        exportTimeoutMillis: config.metricTimeoutMs,
      }),
    );
  }
  const meterProvider = new sdkMetrics.MeterProvider({ resource, readers });
  const dropped: Counter = meterProvider.getMeter(SCOPE_NAME).createCounter(Metric.SPANS_DROPPED, {
    unit: '{span}',
    description: 'Spans that were not exported (queue full, export failed, shutdown deadline)',
  });

  const spans = traces.export
    ? new SpanPipeline({
        exporter: await traceExporter(traces.protocol, connections),
        batch: (exporter, sizes) => new traceSdk.BatchSpanProcessor({ exporter, ...sizes }),
        config: config.spans,
        stallMs: STALL_MS,
        onDrop: (count) => dropped.add(count),
      })
    : undefined;
  // Registered by `setup.ts` through flowtel's own copy of the API, with the context manager.
  const tracerProvider = traceSdk.createTracerProvider({
    resource,
    spanProcessors: spans ? [spans] : [],
    record: spans !== undefined,
  });

  let logGuard: ExportGuard<unknown> | undefined;
  const processors = [];
  if (logs.export) {
    const exporter = await logExporter(logs.protocol, connections);
    logGuard = new ExportGuard(exporter as unknown as Exporter<unknown>);
    const guarded = logGuard as unknown as LogRecordExporter;
    processors.push(new sdkLogs.BatchLogRecordProcessor({ exporter: guarded, ...LOG_BATCHING }));
  }
  const loggerProvider = new sdkLogs.LoggerProvider({ resource, processors });

  return { tracerProvider, loggerProvider, meterProvider, spans, logGuard, metricGuard, connections };
}

/** The metric reader asks the exporter which temporality and aggregation it prefers: forward those. */
function withMetricSelectors(guard: ExportGuard<unknown>, inner: PushMetricExporter): PushMetricExporter {
  const wrapped = guard as unknown as PushMetricExporter;
  if (inner.selectAggregationTemporality) {
    wrapped.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
  }
  if (inner.selectAggregation) wrapped.selectAggregation = inner.selectAggregation.bind(inner);
  return wrapped;
}
