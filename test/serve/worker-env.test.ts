import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../../src/cli/serve/worker-env.ts';

describe("the environment of a run's child process", () => {
  const run = {
    runId: 'r-1',
    scheduledAt: new Date('2026-11-25T02:00:00Z'),
    otlpEndpoint: 'http://127.0.0.1:4318',
  };

  it("is serve's, with telemetry pointed at serve, alerting off and the run's identity set", () => {
    const env = childEnvironment(
      {
        PATH: '/usr/bin',
        DATABASE_URL: 'postgres://db/orders',
        FLOWTEL_HEARTBEAT_INTERVAL: '5s',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://loki:4318/v1/logs',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://prometheus:9090/api/v1/otlp/v1/metrics',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_SERVICE_NAME: 'flowtel-serve',
        TRACEPARENT: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        FLOWTEL_RUN_ID: 'serve-own',
        UNSET: undefined,
      },
      run,
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      DATABASE_URL: 'postgres://db/orders',
      FLOWTEL_HEARTBEAT_INTERVAL: '5s',
      // Metrics keep their own destination: serve does not need them to follow a run.
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://prometheus:9090/api/v1/otlp/v1/metrics',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      FLOWTEL_ALERTING: 'off',
      FLOWTEL_SERVE_CHILD: '1',
      FLOWTEL_RUN_ID: 'r-1',
      FLOWTEL_SCHEDULED_AT: '2026-11-25T02:00:00.000Z',
    });
  });

  it('keeps the JSON encoding when serve uses it, and sends protobuf instead of gRPC', () => {
    expect(
      childEnvironment({ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/JSON' }, run).OTEL_EXPORTER_OTLP_PROTOCOL,
    ).toBe('http/json');
    expect(childEnvironment({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, run).OTEL_EXPORTER_OTLP_PROTOCOL).toBe(
      'http/protobuf',
    );
  });

  it('sets no due time for a run that has no slot (run-now)', () => {
    expect(childEnvironment({}, { runId: 'r-2', otlpEndpoint: run.otlpEndpoint })).not.toHaveProperty(
      'FLOWTEL_SCHEDULED_AT',
    );
  });
});
