import { afterEach, describe, expect, it } from 'vitest';
import { readOtelConfig } from '../../src/otel/config.ts';
import { setupTelemetry, shutdownTelemetry } from '../../src/otel/index.ts';
import { setEnv } from './env.ts';

let restoreEnv: () => void = () => {};
afterEach(async () => {
  await shutdownTelemetry();
  restoreEnv();
});

describe('OTEL_* variables read as the OpenTelemetry specification says', () => {
  it('sets telemetry up when OTEL_SDK_DISABLED is neither true nor false, with a warning', async () => {
    restoreEnv = setEnv({
      OTEL_SDK_DISABLED: '1',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    });
    const warnings: string[] = [];

    expect(readOtelConfig(process.env, (m) => warnings.push(m)).disabled).toBe(false);
    expect(warnings).toEqual(["OTEL_SDK_DISABLED is 'true' or 'false', got '1': taken as false"]);
    const telemetry = await setupTelemetry();
    expect(telemetry.enabled).toBe(true);
  });

  it('disables telemetry for TRUE in any case', () => {
    expect(readOtelConfig({ OTEL_SDK_DISABLED: 'TRUE' }).disabled).toBe(true);
  });

  it('reads the protocol in any case', () => {
    const config = readOtelConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/JSON' });

    expect(config.signals.traces.protocol).toBe('http/json');
  });
});
