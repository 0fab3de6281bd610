import { context, DiagLogLevel, diag, metrics, propagation, trace } from '@opentelemetry/api';
// sdk-logs 0.2xx registers with `@opentelemetry/api-logs` (see `telemetry/otel-logs.ts`).
import { logs as logsApi } from '@opentelemetry/api-logs';
import { hub } from '../runtime/hub.ts';
import { readOtelConfig } from './config.ts';
import { skipAbsentDefaultEndpoint } from './default-endpoint.ts';
import { createDiagLogger, headerSecrets } from './diag.ts';
import { createProviders, type Providers } from './providers.ts';
import { buildResource } from './resource.ts';
import { type ShutdownReport, shutdownProviders } from './shutdown.ts';

export interface TelemetryOptions {
  /**
   * `service.name` unless `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) sets
   * one; the CLI passes the flow file's name. @default 'flowtel'
   */
  serviceName?: string;
  /**
   * Where the variables flowtel decides on are read: `OTEL_SDK_DISABLED`, `OTEL_<SIGNAL>_EXPORTER`,
   * the protocols, `OTEL_METRIC_EXPORT_INTERVAL`/`_TIMEOUT`, `OTEL_BSP_*`. The SDK reads the rest
   * (endpoints, headers, timeout, sampler, resource attributes, service name) from `process.env`, as
   * it always does. @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /** More resource attributes (`service.version`, `deployment.environment.name`, ...); the environment wins. */
  resource?: Record<string, string>;
}

export interface TelemetryHandle {
  /** `false` when `OTEL_SDK_DISABLED=true`: nothing was set up and nothing is exported. */
  readonly enabled: boolean;
  /** Flushes and stops everything, within `deadlineMs` even when the backend hangs. Idempotent. */
  shutdown(deadlineMs?: number): Promise<ShutdownReport>;
}

interface Stoppable {
  readonly enabled: boolean;
  shutdown(deadlineMs: number): Promise<ShutdownReport>;
}

export type { ShutdownReport };

/** What a shutdown waits for at most, by default. */
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 3_000;

/** Set while `setupTelemetry()` awaits the SDK, so that a second call cannot slip in. */
let settingUp = false;
let current: { handle: TelemetryHandle; shutdown: Promise<ShutdownReport> | undefined } | undefined;

/**
 * Sets up the OpenTelemetry SDK for this process: OTLP/HTTP exporters for traces, logs and metrics,
 * registered as the global providers (with the AsyncLocalStorage context manager and W3C propagation),
 * and backpressure on task runs so that no span is dropped. Throws on an invalid `OTEL_*` value, naming
 * the variable; never because the backend is unreachable (exports fail later and are counted).
 */
export async function setupTelemetry(options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  if (current || settingUp) throw new Error('telemetry is already set up: call shutdownTelemetry() first');
  const env = options.env ?? process.env;
  const declared = readOtelConfig(env);
  if (declared.disabled)
    return remember({ enabled: false, shutdown: async () => ({ flushed: true, droppedSpans: 0 }) });

  // First, so that what the SDK says while it is built goes through the same quiet, redacting logger.
  diag.setLogger(createDiagLogger(headerSecrets({ ...process.env, ...env })), {
    logLevel: DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  settingUp = true;
  try {
    const config = await skipAbsentDefaultEndpoint(declared, { ...process.env, ...env });
    const resource = await buildResource({
      ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
      ...(options.resource === undefined ? {} : { attributes: options.resource }),
    });
    const providers = await createProviders(config, resource);
    register(providers);
    return remember({ enabled: true, shutdown: (deadlineMs) => stop(providers, deadlineMs) });
  } catch (error) {
    diag.disable();
    throw error;
  } finally {
    settingUp = false;
  }
}

/** Shuts down what `setupTelemetry()` set up; resolves at once when nothing is. */
export async function shutdownTelemetry(deadlineMs = DEFAULT_SHUTDOWN_DEADLINE_MS): Promise<ShutdownReport> {
  return current ? current.handle.shutdown(deadlineMs) : { flushed: true, droppedSpans: 0 };
}

function remember(handle: Stoppable): TelemetryHandle {
  const entry: NonNullable<typeof current> = {
    handle: {
      enabled: handle.enabled,
      shutdown(deadlineMs = DEFAULT_SHUTDOWN_DEADLINE_MS) {
        entry.shutdown ??= handle.shutdown(deadlineMs).finally(() => {
          if (current === entry) current = undefined;
        });
        return entry.shutdown;
      },
    },
    shutdown: undefined,
  };
  current = entry;
  return entry.handle;
}

function register(providers: Providers): void {
  providers.tracerProvider.register(); // global tracer provider, context manager, W3C propagators
  metrics.setGlobalMeterProvider(providers.meterProvider);
  logsApi.setGlobalLoggerProvider(providers.loggerProvider);
  if (providers.spans) hub.backpressure = providers.spans.gate;
}

async function stop(providers: Providers, deadlineMs: number): Promise<ShutdownReport> {
  if (providers.spans && hub.backpressure === providers.spans.gate) hub.backpressure = undefined;
  // Unregister first: what starts after this is not telemetry of this set-up.
  trace.disable();
  context.disable();
  propagation.disable();
  metrics.disable();
  logsApi.disable();
  const report = await shutdownProviders(providers, deadlineMs);
  diag.disable();
  return report;
}
