import { ChildEnv } from './worker-protocol.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface ChildRun {
  readonly runId: string;
  readonly scheduledAt?: Date;
  /** Serve's OTLP/HTTP endpoint, e.g. `http://127.0.0.1:4318`. */
  readonly otlpEndpoint: string;
}

/**
 * Variables of serve's environment that would send a child's run somewhere other than serve, or give it
 * serve's identity: signal-specific trace and log endpoints and protocols (they win over the general
 * one), exporters turned off, the SDK disabled, serve's service name and trace parent. Metrics keep
 * their own settings: serve does not need them to follow a run.
 */
const NOT_INHERITED = [
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL',
  'OTEL_TRACES_EXPORTER',
  'OTEL_LOGS_EXPORTER',
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'TRACEPARENT',
  ChildEnv.RUN_ID,
  ChildEnv.SCHEDULED_AT,
];

/** Serve hears of a child's transitions when its batches leave: soon, not after the SDK's 5 s default. */
const BATCH_DELAY_MS = '200';

/**
 * The environment of a scheduled run's child process: serve's own (the flow's code may need any of
 * it, `FLOWTEL_HEARTBEAT_INTERVAL` included), with its telemetry pointed at serve, its rules engine off
 * (serve evaluates the rules on what it receives) and its identity set.
 */
export function childEnvironment(env: Env, run: ChildRun): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  for (const name of NOT_INHERITED) delete out[name];
  const protocol = out.OTEL_EXPORTER_OTLP_PROTOCOL?.trim().toLowerCase();
  return {
    ...out,
    OTEL_EXPORTER_OTLP_ENDPOINT: run.otlpEndpoint,
    // Serve reads both OTLP/HTTP encodings; anything else (gRPC) would not reach it.
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: BATCH_DELAY_MS,
    OTEL_BLRP_SCHEDULE_DELAY: BATCH_DELAY_MS,
    FLOWTEL_ALERTING: 'off',
    [ChildEnv.SERVE_CHILD]: '1',
    [ChildEnv.RUN_ID]: run.runId,
    ...(run.scheduledAt === undefined ? {} : { [ChildEnv.SCHEDULED_AT]: run.scheduledAt.toISOString() }),
  };
}
