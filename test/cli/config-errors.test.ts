import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLoadTimeout, readSettings } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { readOtelConfig } from '../../src/otel/config.ts';
import { fixture, runCli, tempDir } from '../support/cli.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** A working directory with the example rules (any-flow-failed, critical), so an alert would show. */
function withRules(): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'rules'));
  cpSync(join(ROOT, 'rules/etl.yaml'), join(dir, 'rules/etl.yaml'));
  return dir;
}

describe('configuration mistakes, checked before the run', () => {
  it.each([
    ['FLOWTEL_MAX_TASK_SPANS', '-5', "FLOWTEL_MAX_TASK_SPANS must be a non-negative integer, got '-5'"],
    [
      'FLOWTEL_HEARTBEAT_INTERVAL',
      '0',
      "FLOWTEL_HEARTBEAT_INTERVAL must be a duration such as '500ms', '30s' or '2m', got '0'",
    ],
    ['FLOWTEL_RECORD_PARAMS', 'all', "FLOWTEL_RECORD_PARAMS must be 'values', 'types' or 'none', got 'all'"],
    ['OTEL_BSP_MAX_QUEUE_SIZE', '0', "OTEL_BSP_MAX_QUEUE_SIZE must be a positive integer, got '0'"],
  ])('%s=%s starts no run and sends no alert: one line, exit 2', async (variable, value, line) => {
    const result = await runCli(['run', fixture('failing.ts')], {
      cwd: withRules(),
      env: { [variable]: value, OTEL_SDK_DISABLED: 'true' },
    });

    expect(result.stderr).toBe(`flowtel: ${line}\n`);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  });

  it('names the variable, the value and what is allowed in a named error', () => {
    const thrown = (read: () => unknown) => {
      try {
        read();
      } catch (error) {
        return error;
      }
      throw new Error('expected a ConfigError');
    };
    const spans = thrown(() => readSettings({ FLOWTEL_MAX_TASK_SPANS: 'lots' }));
    expect(spans).toBeInstanceOf(ConfigError);
    expect(spans).toMatchObject({ variable: 'FLOWTEL_MAX_TASK_SPANS', value: 'lots' });

    const heartbeat = thrown(() => readSettings({ FLOWTEL_HEARTBEAT_INTERVAL: '0ms' }));
    expect((heartbeat as Error).message).toBe("FLOWTEL_HEARTBEAT_INTERVAL must be longer than 0, got '0ms'");

    const protocol = thrown(() => readOtelConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }));
    expect(protocol).toBeInstanceOf(ConfigError);
    expect((protocol as Error).message).toBe(
      "OTEL_EXPORTER_OTLP_PROTOCOL must be 'http/protobuf' or 'http/json', got 'grpc' (flowtel exports OTLP over HTTP only; use port 4318)",
    );
    expect(thrown(() => readOtelConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }))).toMatchObject({
      name: 'ConfigError',
      variable: 'OTEL_TRACES_EXPORTER',
      value: 'zipkin',
    });
    expect(thrown(() => readLoadTimeout({ FLOWTEL_LOAD_TIMEOUT: '0s' }))).toMatchObject({
      message: "FLOWTEL_LOAD_TIMEOUT must be longer than 0, got '0s'",
    });
  });

  it('refuses a bad FLOWTEL_LOAD_TIMEOUT in rules commands as a usage error', async () => {
    const result = await runCli(['rules', 'check', join(ROOT, 'rules')], {
      env: { FLOWTEL_LOAD_TIMEOUT: 'forever' },
    });
    expect(result.stderr).toBe(
      "flowtel: FLOWTEL_LOAD_TIMEOUT must be a duration such as '500ms', '30s' or '2m', got 'forever'\n",
    );
    expect(result.code).toBe(2);
  });
});
