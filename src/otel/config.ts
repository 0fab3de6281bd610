import { ConfigError } from '../errors.ts';

/**
 * The `OTEL_*` variables flowtel itself decides on, read once when telemetry is set up. The rest
 * (endpoints, headers, timeout, compression, certificates, sampler, span limits) the SDK's exporters and
 * tracer provider read from `process.env` by themselves, exactly as the specification says; reading them
 * here too would only make two parsers that can disagree. A value flowtel cannot use throws `ConfigError`.
 */

export type Signal = 'traces' | 'logs' | 'metrics';
export const SIGNALS: readonly Signal[] = ['traces', 'logs', 'metrics'];

/** The OTLP/HTTP encodings; gRPC is not offered (see `protocolOf`). */
export type Protocol = 'http/protobuf' | 'http/json';

export interface SignalConfig {
  /** `false` when `OTEL_<SIGNAL>_EXPORTER=none`. */
  readonly export: boolean;
  readonly protocol: Protocol;
}

export interface OtelConfig {
  /** `OTEL_SDK_DISABLED=true`: set nothing up at all. */
  readonly disabled: boolean;
  readonly signals: Readonly<Record<Signal, SignalConfig>>;
  /** `OTEL_METRIC_EXPORT_INTERVAL`, ms. @default 10000 (the spec says 60 s; runs are short) */
  readonly metricIntervalMs: number;
  /** `OTEL_METRIC_EXPORT_TIMEOUT`, ms, at most the interval. @default 5000 */
  readonly metricTimeoutMs: number;
  /** The span batch processor's sizes: `OTEL_BSP_*` when set, else ours (see `spanDefaults`). */
  readonly spans: SpanQueueConfig;
}

export interface SpanQueueConfig {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
  readonly exportTimeoutMillis: number;
}

/**
 * Sized for bursts of task runs, not the SDK's defaults (2048 queued, 512 per export, 5 s delay), which
 * drop most spans of a 100,000-task flow: a queue that holds a few batches while one is on the wire,
 * batches of a few MB, and a short delay so a quiet queue is sent soon. Memory: ~1–2 KB per queued span.
 */
export const spanDefaults: SpanQueueConfig = {
  maxQueueSize: 32_768,
  maxExportBatchSize: 4_096,
  scheduledDelayMillis: 200,
  exportTimeoutMillis: 30_000,
};

/** Where a value the specification says to ignore is reported; stderr by default. */
export type Warn = (message: string) => void;
const toStderr: Warn = (message) => void process.stderr.write(`flowtel: telemetry: ${message}\n`);

export function readOtelConfig(env: NodeJS.ProcessEnv, warn: Warn = toStderr): OtelConfig {
  const signals = Object.fromEntries(
    SIGNALS.map((signal) => [signal, { export: exports(env, signal), protocol: protocolOf(env, signal) }]),
  ) as Record<Signal, SignalConfig>;
  const metricIntervalMs = positiveInt(env, 'OTEL_METRIC_EXPORT_INTERVAL', 10_000);
  return {
    disabled: boolean(env, 'OTEL_SDK_DISABLED', warn),
    signals,
    metricIntervalMs,
    metricTimeoutMs: Math.min(positiveInt(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 5_000), metricIntervalMs),
    spans: {
      maxQueueSize: positiveInt(env, 'OTEL_BSP_MAX_QUEUE_SIZE', spanDefaults.maxQueueSize),
      maxExportBatchSize: positiveInt(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', spanDefaults.maxExportBatchSize),
      scheduledDelayMillis: positiveInt(env, 'OTEL_BSP_SCHEDULE_DELAY', spanDefaults.scheduledDelayMillis),
      exportTimeoutMillis: positiveInt(env, 'OTEL_BSP_EXPORT_TIMEOUT', spanDefaults.exportTimeoutMillis),
    },
  };
}

/**
 * The per-signal variable wins over `OTEL_EXPORTER_OTLP_PROTOCOL`. gRPC is refused with an error rather
 * than replaced by HTTP with a warning: a gRPC setting usually comes with a gRPC endpoint (port 4317),
 * where HTTP requests would fail on every export and lose every span; better to say so before the run.
 */
function protocolOf(env: NodeJS.ProcessEnv, signal: Signal): Protocol {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
  const name = value(env, specific) === undefined ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : specific;
  // Enum values are case-insensitive, as the specification says.
  const protocol = value(env, name)?.toLowerCase() ?? 'http/protobuf';
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  const hint = protocol === 'grpc' ? '(flowtel exports OTLP over HTTP only; use port 4318)' : '';
  throw new ConfigError(name, protocol, "'http/protobuf' or 'http/json'", { hint });
}

/** `OTEL_<SIGNAL>_EXPORTER`: `otlp` (the default) or `none`; other exporters are not bundled. */
function exports(env: NodeJS.ProcessEnv, signal: Signal): boolean {
  const name = `OTEL_${signal.toUpperCase()}_EXPORTER`;
  const raw = value(env, name);
  if (raw === undefined) return true;
  const names = raw.split(',').map((part) => part.trim().toLowerCase());
  for (const exporter of names) {
    if (exporter !== 'otlp' && exporter !== 'none') {
      throw new ConfigError(name, raw, "'otlp' or 'none'");
    }
  }
  return names.includes('otlp');
}

/**
 * The specification's booleans: only `true` (any case) is true; anything else is false, with a warning
 * for a value that is not `false`. Refusing `OTEL_SDK_DISABLED=1` would stop a run that the
 * specification says must go on, exporting.
 */
function boolean(env: NodeJS.ProcessEnv, name: string, warn: Warn): boolean {
  const raw = value(env, name)?.toLowerCase();
  if (raw === 'true') return true;
  if (raw !== undefined && raw !== 'false')
    warn(`${name} is 'true' or 'false', got '${env[name]}': taken as false`);
  return false;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new ConfigError(name, raw, 'a positive integer');
  return parsed;
}

/** Empty values count as unset, as the specification asks. */
function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}
