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
  if (mainApiLogs && hasMainApiLoggerProvider()) return mainApiLogs.getLogger(name, version);
  return apiLogs.getLogger(name, version);
}

function hasMainApiLoggerProvider(): boolean {
  const registry = (globalThis as Record<symbol, { logs?: unknown } | undefined>)[MAIN_API_GLOBAL];
  return registry?.logs !== undefined;
}

/** Severity numbers of the OpenTelemetry log data model. */
export const Severity = { INFO: 9, WARN: 13, ERROR: 17 } as const;
export type SeverityNumber = (typeof Severity)[keyof typeof Severity];
