/** ExportTraceServiceRequest → DecodedSpan[]. */
import { enumValues } from './schema.ts';
import type { DecodedSpan, DecodedSpanEvent, DecodedSpanLink } from './types.ts';
import { attributes, mapScopedItems } from './values.ts';
import { enumeration, int32, list, object, optionalId, requiredId, string, uint64 } from './wire.ts';

const TRACE = 'opentelemetry.proto.trace.v1';

export function spansOf(request: unknown): DecodedSpan[] {
  const kinds = enumValues(`${TRACE}.Span.SpanKind`);
  const statusCodes = enumValues(`${TRACE}.Status.StatusCode`);
  return mapScopedItems(
    request,
    { resource: 'resourceSpans', scope: 'scopeSpans', item: 'spans' },
    (span, { path, resource, scope }): DecodedSpan => {
      const parentSpanId = optionalId(span.parentSpanId, `${path}.parentSpanId`, 8);
      const traceState = string(span.traceState, `${path}.traceState`);
      const status = object(span.status, `${path}.status`);
      const statusMessage = string(status.message, `${path}.status.message`);
      return {
        traceId: requiredId(span.traceId, `${path}.traceId`, 16),
        spanId: requiredId(span.spanId, `${path}.spanId`, 8),
        ...(parentSpanId ? { parentSpanId } : {}),
        ...(traceState ? { traceState } : {}),
        flags: int32(span.flags, `${path}.flags`),
        name: string(span.name, `${path}.name`),
        kind: enumeration(span.kind, `${path}.kind`, kinds),
        startTimeUnixNano: uint64(span.startTimeUnixNano, `${path}.startTimeUnixNano`),
        endTimeUnixNano: uint64(span.endTimeUnixNano, `${path}.endTimeUnixNano`),
        attributes: attributes(span.attributes, `${path}.attributes`),
        events: list(span.events, `${path}.events`).map((event, i) => eventOf(event, `${path}.events[${i}]`)),
        links: list(span.links, `${path}.links`).map((link, i) => linkOf(link, `${path}.links[${i}]`)),
        status: {
          code: enumeration(status.code, `${path}.status.code`, statusCodes),
          ...(statusMessage ? { message: statusMessage } : {}),
        },
        resource,
        scope,
      };
    },
  );
}

function eventOf(value: unknown, path: string): DecodedSpanEvent {
  const event = object(value, path);
  return {
    name: string(event.name, `${path}.name`),
    timeUnixNano: uint64(event.timeUnixNano, `${path}.timeUnixNano`),
    attributes: attributes(event.attributes, `${path}.attributes`),
  };
}

function linkOf(value: unknown, path: string): DecodedSpanLink {
  const link = object(value, path);
  const traceState = string(link.traceState, `${path}.traceState`);
  return {
    traceId: requiredId(link.traceId, `${path}.traceId`, 16),
    spanId: requiredId(link.spanId, `${path}.spanId`, 8),
    ...(traceState ? { traceState } : {}),
    attributes: attributes(link.attributes, `${path}.attributes`),
  };
}
