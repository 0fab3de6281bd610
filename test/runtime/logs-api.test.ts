import type { Logger } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import { pickLogsApi } from '../../src/telemetry/otel-logs.ts';

const MAIN_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const logsApi = (label: string) => ({ label, getLogger: () => ({ emit: () => {} }) as unknown as Logger });

describe('where log records go', () => {
  const main = logsApi('@opentelemetry/api');
  const fallback = logsApi('@opentelemetry/api-logs');

  it('uses @opentelemetry/api-logs with @opentelemetry/api 1.9, which has no logs API', () => {
    expect(pickLogsApi(undefined, fallback, { [MAIN_API_GLOBAL]: { logs: {} } })).toBe(fallback);
  });

  it('uses @opentelemetry/api (1.10+) once an SDK registered its logger provider there', () => {
    expect(pickLogsApi(main, fallback, { [MAIN_API_GLOBAL]: { version: '1.10.0', logs: {} } })).toBe(main);
  });

  it('stays with @opentelemetry/api-logs while the SDK registered there (sdk-logs 0.2xx)', () => {
    expect(pickLogsApi(main, fallback, { [MAIN_API_GLOBAL]: { version: '1.10.0', trace: {} } })).toBe(
      fallback,
    );
    expect(pickLogsApi(main, fallback, {})).toBe(fallback);
  });
});
