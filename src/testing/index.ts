/**
 * `flowtel/testing`: helpers for testing flows and the telemetry they produce, with the OpenTelemetry
 * SDK's in-memory exporters. Nothing here crosses a wire.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { onTransition } from '../runtime/hub.ts';
import type { ObservedTransition } from '../runtime/transition.ts';

export { setRuntimeClock } from '../runtime/runtime-clock.ts';
export { TransitionRecordSchema } from '../runtime/transition-schema.ts';

export interface TestTelemetry {
  /** Ended spans, in the order they ended. */
  spans(): ReadableSpan[];
  logs(): ReadableLogRecord[];
  /** Collects and returns the metrics recorded so far (cumulative). */
  metrics(): Promise<MetricData[]>;
  /** Forgets spans and log records (metrics are cumulative and stay). */
  reset(): void;
  /** Unregisters the providers and stops collecting. */
  shutdown(): Promise<void>;
}

/**
 * Registers in-memory tracer, logger and meter providers and a context manager as the globals, so
 * flows run afterwards export into memory. Call `shutdown()` when done.
 */
export function setupTestTelemetry(): TestTelemetry {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();

  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  return {
    spans: () => spanExporter.getFinishedSpans(),
    logs: () => logExporter.getFinishedLogRecords(),
    async metrics() {
      metricExporter.reset();
      await reader.forceFlush();
      return metricExporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    },
    reset() {
      spanExporter.reset();
      logExporter.reset();
    },
    async shutdown() {
      trace.disable();
      logs.disable();
      metrics.disable();
      context.disable();
      await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

/** Data points of one metric by name, for assertions. */
export function metricPoints(all: MetricData[], name: string): DataPoint<number | Histogram>[] {
  return all
    .filter((m) => m.descriptor.name === name)
    .flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]);
}

export interface RecordedTransitions {
  readonly records: ObservedTransition[];
  stop(): void;
}

/**
 * Collects every transition record of this process until `stop()`. The records read the same later as
 * when they were made; `JSON.stringify` gives their `--record` lines.
 */
export function recordTransitions(): RecordedTransitions {
  const records: ObservedTransition[] = [];
  const stop = onTransition((record) => records.push(record));
  return { records, stop };
}
