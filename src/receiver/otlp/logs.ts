/** ExportLogsServiceRequest → DecodedLogRecord[]. */
import { enumValues } from './schema.ts';
import type { DecodedLogRecord } from './types.ts';
import { anyValue, attributes, mapScopedItems } from './values.ts';
import { enumeration, int32, optionalId, string, uint64 } from './wire.ts';

export function logRecordsOf(request: unknown): DecodedLogRecord[] {
  const severities = enumValues('opentelemetry.proto.logs.v1.SeverityNumber');
  return mapScopedItems(
    request,
    { resource: 'resourceLogs', scope: 'scopeLogs', item: 'logRecords' },
    (record, { path, resource, scope }): DecodedLogRecord => {
      const severityText = string(record.severityText, `${path}.severityText`);
      const eventName = string(record.eventName, `${path}.eventName`);
      const traceId = optionalId(record.traceId, `${path}.traceId`, 16);
      const spanId = optionalId(record.spanId, `${path}.spanId`, 8);
      return {
        timeUnixNano: uint64(record.timeUnixNano, `${path}.timeUnixNano`),
        observedTimeUnixNano: uint64(record.observedTimeUnixNano, `${path}.observedTimeUnixNano`),
        severityNumber: enumeration(record.severityNumber, `${path}.severityNumber`, severities),
        ...(severityText ? { severityText } : {}),
        body: anyValue(record.body, `${path}.body`),
        attributes: attributes(record.attributes, `${path}.attributes`),
        ...(eventName ? { eventName } : {}),
        ...(traceId ? { traceId } : {}),
        ...(spanId ? { spanId } : {}),
        flags: int32(record.flags, `${path}.flags`),
        resource,
        scope,
      };
    },
  );
}
