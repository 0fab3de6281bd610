import type { Attributes } from '@opentelemetry/api';
import { context as otelContext } from '@opentelemetry/api';
import { resolveInstruments } from '../telemetry/instruments.ts';
import { EventName } from '../telemetry/keys.ts';
import { Severity } from '../telemetry/otel-logs.ts';
import { redactAttributeKeys } from '../telemetry/redact.ts';
import { activeScope } from './context.ts';

export interface RunLogger {
  debug(message: string, attributes?: Attributes): void;
  info(message: string, attributes?: Attributes): void;
  warn(message: string, attributes?: Attributes): void;
  error(message: string, attributes?: Attributes): void;
}

const DEBUG = 5;

/**
 * Run logs: OpenTelemetry log records correlated with the active span (the task or flow that logged),
 * carrying the flow and task names and run ids. Outside any run they are plain log records. Values
 * under secret-looking keys (`password`, `token`, …) are replaced, as for parameters.
 */
export const log: RunLogger = {
  debug: (message, attributes) => emit(DEBUG, message, attributes),
  info: (message, attributes) => emit(Severity.INFO, message, attributes),
  warn: (message, attributes) => emit(Severity.WARN, message, attributes),
  error: (message, attributes) => emit(Severity.ERROR, message, attributes),
};

function emit(severity: number, message: string, given: Attributes | undefined): void {
  const attributes = given && redactAttributeKeys(given);
  const scope = activeScope();
  if (scope) {
    scope.flowRun.telemetry.runLog(severity, message, attributes, scope.taskRun, scope.attempt);
    return;
  }
  resolveInstruments().logger.emit({
    eventName: EventName.LOG,
    severityNumber: severity,
    body: message,
    ...(attributes ? { attributes } : {}),
    context: otelContext.active(),
  });
}
