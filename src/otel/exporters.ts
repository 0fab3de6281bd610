import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Protocol } from './config.ts';
import type { Connections } from './connections.ts';
import { importPeer, installExporter } from './peer.ts';
import { redactingLogExporter, redactingSpanExporter } from './redact-export.ts';

/**
 * The OTLP/HTTP exporters, in the encoding `OTEL_EXPORTER_OTLP_[<SIGNAL>_]PROTOCOL` asks for: the
 * `-proto` packages send protobuf, the `-http` ones JSON. Everything else (endpoint and per-signal
 * endpoint, headers, timeout, compression, temporality) they read from the environment themselves.
 * Loaded on demand: only the encoding in use is ever imported. Spans and log records pass through
 * redaction by value on their way out (`redact-export.ts`).
 */
export async function traceExporter(protocol: Protocol, connections: Connections): Promise<SpanExporter> {
  const { OTLPTraceExporter } =
    protocol === 'http/json'
      ? await exporterPeer(
          '@opentelemetry/exporter-trace-otlp-http',
          () => import('@opentelemetry/exporter-trace-otlp-http'),
        )
      : await exporterPeer(
          '@opentelemetry/exporter-trace-otlp-proto',
          () => import('@opentelemetry/exporter-trace-otlp-proto'),
        );
  const exporter = new OTLPTraceExporter({ httpAgentOptions: connections.agentFactory('traces') });
  connections.adopt(exporter);
  return redactingSpanExporter(exporter);
}

export async function logExporter(protocol: Protocol, connections: Connections): Promise<LogRecordExporter> {
  const { OTLPLogExporter } =
    protocol === 'http/json'
      ? await exporterPeer(
          '@opentelemetry/exporter-logs-otlp-http',
          () => import('@opentelemetry/exporter-logs-otlp-http'),
        )
      : await exporterPeer(
          '@opentelemetry/exporter-logs-otlp-proto',
          () => import('@opentelemetry/exporter-logs-otlp-proto'),
        );
  const exporter = new OTLPLogExporter({ httpAgentOptions: connections.agentFactory('logs') });
  connections.adopt(exporter);
  return redactingLogExporter(exporter);
}

export async function metricExporter(
  protocol: Protocol,
  connections: Connections,
): Promise<PushMetricExporter> {
  const { OTLPMetricExporter } =
    protocol === 'http/json'
      ? await exporterPeer(
          '@opentelemetry/exporter-metrics-otlp-http',
          () => import('@opentelemetry/exporter-metrics-otlp-http'),
        )
      : await exporterPeer(
          '@opentelemetry/exporter-metrics-otlp-proto',
          () => import('@opentelemetry/exporter-metrics-otlp-proto'),
        );
  const exporter = new OTLPMetricExporter({ httpAgentOptions: connections.agentFactory('metrics') });
  connections.adopt(exporter);
  return exporter;
}

/** An exporter package, or a message naming it (the http/json ones are not in the SDK set's command). */
function exporterPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  return importPeer(name, load, installExporter(name));
}
