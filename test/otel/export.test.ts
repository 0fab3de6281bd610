import { flow, log, task } from 'flowtel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setupTelemetry, shutdownTelemetry } from '../../src/otel/index.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { setEnv } from './env.ts';

let receiver: OtlpReceiver;
let restoreEnv: () => void = () => {};
beforeEach(async () => {
  receiver = await startOtlpReceiver({ recordHeaders: ['x-api-key'] });
});
afterEach(async () => {
  await shutdownTelemetry();
  restoreEnv();
  await receiver.close();
});

const double = task('double', (n: number) => n * 2);
const etl = flow({ name: 'etl' }, async () => {
  log.info('doubling', { count: 2 });
  const values = await Promise.all([double(1), double(2)]);
  return values.length;
});

function signalsOf(path: string) {
  return receiver.requests.filter((request) => request.path === path);
}

describe.each([
  ['http/protobuf', 'application/x-protobuf'],
  ['http/json', 'application/json'],
])('a flow run exported over %s', (protocol, contentType) => {
  beforeEach(() => {
    restoreEnv = setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=key-1234',
    });
  });

  it('arrives as spans, log records and metrics, all in that encoding', async () => {
    await setupTelemetry({ serviceName: 'orders-etl' });
    await etl();
    const report = await shutdownTelemetry();

    expect(report).toEqual({ flushed: true, droppedSpans: 0 });
    expect(receiver.spans.map((span) => span.name).sort()).toEqual([
      'flow etl',
      'task double',
      'task double',
    ]);
    expect(receiver.logs.map((record) => record.body)).toContain('doubling');
    expect(receiver.metrics.map((metric) => metric.name)).toContain('cicd.pipeline.run.duration');
    for (const path of ['/v1/traces', '/v1/logs', '/v1/metrics']) {
      expect(signalsOf(path).map((request) => request.contentType)).toContain(contentType);
    }
  });

  it('names the service and its instance, and never exports the command line', async () => {
    await setupTelemetry({ serviceName: 'orders-etl' });
    await etl();
    await shutdownTelemetry();

    const resources = [...receiver.spans, ...receiver.logs, ...receiver.metrics].map((item) => item.resource);
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource['service.name']).toBe('orders-etl');
      expect(resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(resource).filter((key) => key.startsWith('process.command'))).toEqual([]);
      expect(resource['process.executable.path']).toBeUndefined();
    }
  });

  it('sends the headers of OTEL_EXPORTER_OTLP_HEADERS with every request', async () => {
    await setupTelemetry();
    await etl();
    await shutdownTelemetry();

    expect(receiver.requests.length).toBeGreaterThanOrEqual(3);
    for (const request of receiver.requests) expect(request.headers).toEqual({ 'x-api-key': 'key-1234' });
  });
});

describe('the resource', () => {
  it("takes service.name from OTEL_SERVICE_NAME first, and is 'flowtel' when nothing names the service", async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'from-env' });
    await setupTelemetry({ serviceName: 'from-option' });
    await etl();
    await shutdownTelemetry();
    restoreEnv();
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    await setupTelemetry();
    await etl();
    await shutdownTelemetry();

    const names = new Set(receiver.spans.map((span) => span.resource['service.name']));
    expect(names).toEqual(new Set(['from-env', 'flowtel']));
  });

  it('carries OTEL_RESOURCE_ATTRIBUTES, but not a command line smuggled in through them', async () => {
    restoreEnv = setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,process.command_args=--token%3Dsecret',
    });
    await setupTelemetry();
    await etl();
    await shutdownTelemetry();

    const resource = receiver.spans[0]?.resource ?? {};
    expect(resource['deployment.environment.name']).toBe('staging');
    expect(resource['process.command_args']).toBeUndefined();
  });
});

describe('the standard switches', () => {
  it('sends no trace request with OTEL_TRACES_EXPORTER=none, and still sends the rest', async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_EXPORTER: 'none' });
    await setupTelemetry();
    await etl();
    await shutdownTelemetry();

    expect(signalsOf('/v1/traces')).toEqual([]);
    expect(signalsOf('/v1/logs').length).toBeGreaterThan(0);
    expect(signalsOf('/v1/metrics').length).toBeGreaterThan(0);
  });

  it('sends nothing at all with OTEL_SDK_DISABLED=true', async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' });
    const telemetry = await setupTelemetry();
    await etl();
    const report = await telemetry.shutdown();

    expect(telemetry.enabled).toBe(false);
    expect(report).toEqual({ flushed: true, droppedSpans: 0 });
    expect(receiver.requests).toEqual([]);
  });

  it('sends to a per-signal endpoint as given, without adding a path', async () => {
    restoreEnv = setEnv({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    });
    await setupTelemetry();
    await etl();
    await shutdownTelemetry();

    expect(receiver.requests.map((request) => request.path)).toEqual(['/v1/traces']);
    expect(receiver.spans).toHaveLength(3);
  });

  it('samples as OTEL_TRACES_SAMPLER says: always_off exports no span, and the run still logs', async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: 'always_off' });
    await setupTelemetry();
    await etl();
    const report = await shutdownTelemetry();

    expect(report.droppedSpans).toBe(0);
    expect(receiver.spans).toEqual([]);
    expect(receiver.logs.map((record) => record.body)).toContain('doubling');
  });

  it('exports metrics every OTEL_METRIC_EXPORT_INTERVAL while the process runs, not only at shutdown', async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRIC_EXPORT_INTERVAL: '100' });
    await setupTelemetry();
    await etl();

    await receiver.waitFor(() => signalsOf('/v1/metrics').length > 0);
    expect(receiver.metrics.map((metric) => metric.name)).toContain('flowtel.task.run.duration');
  });

  it('refuses gRPC and unknown exporters, naming the variable and the value', async () => {
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    await expect(setupTelemetry()).rejects.toThrow(
      /^OTEL_EXPORTER_OTLP_PROTOCOL must be 'http\/protobuf' or 'http\/json', got 'grpc'/,
    );
    restoreEnv();
    restoreEnv = setEnv({ OTEL_METRICS_EXPORTER: 'prometheus' });
    await expect(setupTelemetry()).rejects.toThrow(
      "OTEL_METRICS_EXPORTER must be 'otlp' or 'none', got 'prometheus'",
    );
  });
});
