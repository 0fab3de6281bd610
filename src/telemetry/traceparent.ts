import { type Context, ROOT_CONTEXT, trace } from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * A context whose remote parent is the W3C `traceparent` value (the OpenTelemetry convention for handing
 * a trace to a child process through `TRACEPARENT`), or undefined when the value is absent or invalid.
 * Parsed here rather than through `propagation.extract`, which is a no-op until an SDK registers a
 * propagator, and the library code imports the API only.
 */
export function contextFromTraceparent(value: string | undefined): Context | undefined {
  if (!value) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has no trailing fields.
  if (version === 'ff' || (version === '00' && rest)) return undefined;
  const spanContext = {
    traceId: traceId!,
    spanId: spanId!,
    traceFlags: Number.parseInt(flags!, 16) & 1,
    isRemote: true,
  };
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}
