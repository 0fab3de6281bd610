import * as api from '@opentelemetry/api';
import { logs as apiLogs, type Logger } from '@opentelemetry/api-logs';

/**
 * The logs API lives in `@opentelemetry/api` from 1.10 on and in `@opentelemetry/api-logs` before.
 * They keep their global provider under different keys, and an SDK registers with the one it was built
 * against (sdk-logs 0.2xx uses api-logs). So take the logger from `@opentelemetry/api` when a provider
 * is registered there, else from `@opentelemetry/api-logs` (a no-op until an SDK registers one).
 * Called when a flow run starts: a cheap lookup that sees an SDK started after import.
 */
const mainApiLogs = (api as unknown as { logs?: typeof apiLogs }).logs;
const MAIN_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

export function getLogger(name: string, version: string): Logger {
  return pickLogsApi(mainApiLogs, apiLogs).getLogger(name, version);
}

interface LogsApi {
  getLogger(name: string, version?: string): Logger;
}

/** The logs API to take loggers from: `main` (api 1.10+) when a provider is registered there. */
export function pickLogsApi(
  main: LogsApi | undefined,
  fallback: LogsApi,
  globals: Record<symbol, unknown> = globalThis as Record<symbol, unknown>,
): LogsApi {
  const registry = globals[MAIN_API_GLOBAL] as { logs?: unknown } | undefined;
  return main && registry?.logs !== undefined ? main : fallback;
}

/** Severity numbers of the OpenTelemetry log data model. */
export const Severity = { INFO: 9, WARN: 13, ERROR: 17 } as const;
export type SeverityNumber = (typeof Severity)[keyof typeof Severity];
