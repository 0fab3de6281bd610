import * as api from '@opentelemetry/api';
import {
  type ContextManager,
  context,
  DiagLogLevel,
  diag,
  metrics,
  propagation,
  type TextMapPropagator,
  trace,
} from '@opentelemetry/api';
// sdk-logs 0.2xx registers with `@opentelemetry/api-logs` (see `telemetry/otel-logs.ts`).
import { logs as logsApi } from '@opentelemetry/api-logs';
import { hub } from '../runtime/hub.ts';
import { type OtelConfig, readOtelConfig } from './config.ts';
import { skipAbsentDefaultEndpoint } from './default-endpoint.ts';
import { createDiagLogger, headerSecrets } from './diag.ts';
import { type Part, registeredParts, registerTracerProvider } from './globals.ts';
import { importPeer } from './peer.ts';
import { createProviders, type Providers } from './providers.ts';
import { buildResource } from './resource.ts';
import { flushUserProviders, type ShutdownReport, shutdownProviders } from './shutdown.ts';

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

/** The logs API of `@opentelemetry/api` 1.10+; undefined with 1.9. */
const mainLogs = (
  api as unknown as {
    logs?: {
      setGlobalLoggerProvider(provider: never): unknown;
      getLoggerProvider(): unknown;
      disable(): void;
    };
  }
).logs;

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
 *
 * A provider the process registered before (the user's own SDK set-up: `--import ./otel.mjs`, the
 * auto-instrumentations' `register`) is kept: flowtel's spans, metrics or log records go through it,
 * and the shutdown flushes it instead of replacing or disabling it.
 */
export async function setupTelemetry(options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  if (current || settingUp) throw new Error('telemetry is already set up: call shutdownTelemetry() first');
  const env = options.env ?? process.env;
  const declared = readOtelConfig(env);
  if (declared.disabled)
    return remember({ enabled: false, shutdown: async () => ({ flushed: true, droppedSpans: 0 }) });

  const theirs = registeredParts();
  // First, so that what the SDK says while it is built goes through the same quiet, redacting logger.
  // Not in a process with an SDK set-up of its own: its diagnostics are the user's to configure.
  const ownDiag = theirs.size === 0;
  if (ownDiag) {
    diag.setLogger(createDiagLogger(headerSecrets({ ...process.env, ...env })), {
      logLevel: DiagLogLevel.WARN,
      suppressOverrideMessage: true,
    });
  }
  settingUp = true;
  try {
    const config = await skipAbsentDefaultEndpoint(leaveToUser(declared, theirs), { ...process.env, ...env });
    const resource = await buildResource({
      ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
      ...(options.resource === undefined ? {} : { attributes: options.resource }),
    });
    const parts = await contextParts(theirs);
    const providers = await createProviders(config, resource);
    register(providers, parts, theirs, config);
    return remember({ enabled: true, shutdown: (deadlineMs) => stop(providers, theirs, deadlineMs) });
  } catch (error) {
    if (ownDiag) diag.disable();
    throw error;
  } finally {
    settingUp = false;
  }
}

/** The signals whose provider the user registered are not exported by flowtel's pipeline as well. */
function leaveToUser(config: OtelConfig, theirs: ReadonlySet<Part>): OtelConfig {
  const owned = { traces: 'trace', metrics: 'metrics', logs: 'logs' } as const;
  const signals = { ...config.signals };
  for (const [signal, part] of Object.entries(owned) as [keyof typeof owned, Part][]) {
    if (theirs.has(part)) signals[signal] = { ...signals[signal], export: false };
  }
  return { ...config, signals };
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

interface ContextParts {
  readonly contextManager: ContextManager | undefined;
  readonly propagator: TextMapPropagator | undefined;
}

/**
 * The context manager and propagator to register, unless the user registered theirs; loaded before the
 * providers are built, so that a missing package leaves nothing half set up.
 */
async function contextParts(theirs: ReadonlySet<Part>): Promise<ContextParts> {
  const [hooks, core] = await Promise.all([
    theirs.has('context')
      ? undefined
      : importPeer('@opentelemetry/context-async-hooks', () => import('@opentelemetry/context-async-hooks')),
    theirs.has('propagation')
      ? undefined
      : importPeer('@opentelemetry/core', () => import('@opentelemetry/core')),
  ]);
  return {
    contextManager: hooks && new hooks.AsyncLocalStorageContextManager(),
    propagator:
      core &&
      new core.CompositePropagator({
        propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
      }),
  };
}

function register(
  providers: Providers,
  parts: ContextParts,
  theirs: ReadonlySet<Part>,
  config: OtelConfig,
): void {
  if (parts.contextManager) context.setGlobalContextManager(parts.contextManager.enable());
  if (parts.propagator) propagation.setGlobalPropagator(parts.propagator);
  if (!theirs.has('trace')) registerTracerProvider(providers.tracerProvider);
  // A signal that is not exported gets no global provider: instruments and loggers stay the API's no-ops,
  // and the runtime skips building what nothing would read (metric attributes, log records).
  if (!theirs.has('metrics') && config.signals.metrics.export)
    metrics.setGlobalMeterProvider(providers.meterProvider);
  if (!theirs.has('logs') && config.signals.logs.export) {
    // Both logs APIs: sdk-logs 0.2xx registers with api-logs, 3.x with API 1.10 (see `telemetry/otel-logs.ts`).
    logsApi.setGlobalLoggerProvider(providers.loggerProvider);
    mainLogs?.setGlobalLoggerProvider(providers.loggerProvider as never);
  }
  if (providers.spans) hub.backpressure = providers.spans.gate;
}

async function stop(
  providers: Providers,
  theirs: ReadonlySet<Part>,
  deadlineMs: number,
): Promise<ShutdownReport> {
  if (providers.spans && hub.backpressure === providers.spans.gate) hub.backpressure = undefined;
  // Unregister first: what starts after this is not telemetry of this set-up. The context manager and
  // propagator stay until the flush is over: the SDK suppresses tracing of its own export requests
  // through the context, and without it an HTTP instrumentation traces flowtel's OTLP posts.
  if (!theirs.has('trace')) trace.disable();
  if (!theirs.has('metrics')) metrics.disable();
  if (!theirs.has('logs')) {
    logsApi.disable();
    mainLogs?.disable();
  }
  const [report, userFlushed] = await Promise.all([
    shutdownProviders(providers, deadlineMs),
    flushUserProviders(userProviders(theirs), deadlineMs),
  ]);
  if (!theirs.has('context')) context.disable();
  if (!theirs.has('propagation')) propagation.disable();
  if (theirs.size === 0) diag.disable();
  return { ...report, flushed: report.flushed && userFlushed };
}

/** The user's registered providers, to flush (never to shut down: they are the user's to stop). */
function userProviders(theirs: ReadonlySet<Part>): unknown[] {
  return [
    theirs.has('trace') ? trace.getTracerProvider() : undefined,
    theirs.has('metrics') ? metrics.getMeterProvider() : undefined,
    theirs.has('logs') ? logsApi.getLoggerProvider() : undefined,
    theirs.has('logs') ? mainLogs?.getLoggerProvider() : undefined,
  ];
}
