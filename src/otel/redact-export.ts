import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace';
import { processSecrets, type SecretRegistry } from '../secrets.ts';

/**
 * The OTLP choke point of redaction by value: every span and log record passes here on its way to the
 * exporter, flowtel's own and those of the user's code and auto-instrumentations (an HTTP client span
 * whose `url.full` holds a token), and every string in it has the process's known secrets replaced.
 * A span or record with nothing to replace is passed on as it is; one with something gets a view whose
 * strings are redacted (the original, which other processors may hold, is not changed).
 */
export function redactingSpanExporter(inner: SpanExporter, secrets = processSecrets()): SpanExporter {
  const wrapped: SpanExporter = {
    export: (spans, done) =>
      inner.export(secrets.size === 0 ? spans : spans.map((span) => redactSpan(span, secrets)), done),
    shutdown: () => inner.shutdown(),
  };
  if (inner.forceFlush) wrapped.forceFlush = () => inner.forceFlush!();
  return wrapped;
}

export function redactingLogExporter(
  inner: LogRecordExporter,
  secrets = processSecrets(),
): LogRecordExporter {
  return {
    export: (records, done) =>
      inner.export(
        secrets.size === 0 ? records : records.map((record) => redactLogRecord(record, secrets)),
        done,
      ),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  };
}

export function redactSpan(span: ReadableSpan, secrets: SecretRegistry): ReadableSpan {
  const name = secrets.redact(span.name);
  const attributes = redactAttributes(span.attributes, secrets);
  const message = span.status.message === undefined ? undefined : secrets.redact(span.status.message);
  let events: TimedEvent[] | undefined;
  span.events.forEach((event, index) => {
    if (event.attributes === undefined) return;
    const redacted = redactAttributes(event.attributes, secrets);
    if (redacted === event.attributes) return;
    events ??= [...span.events];
    events[index] = { ...event, attributes: redacted };
  });
  if (
    name === span.name &&
    attributes === span.attributes &&
    message === span.status.message &&
    events === undefined
  )
    return span;
  // A view over the span (its methods and other fields inherited), not a copy of it.
  return Object.create(span, {
    name: { value: name },
    attributes: { value: attributes },
    status: { value: message === undefined ? span.status : { ...span.status, message } },
    events: { value: events ?? span.events },
  }) as ReadableSpan;
}

export function redactLogRecord(record: ReadableLogRecord, secrets: SecretRegistry): ReadableLogRecord {
  const attributes = redactAnyMap(record.attributes, secrets);
  const body = record.body === undefined ? undefined : redactAny(record.body, secrets);
  if (attributes === record.attributes && body === record.body) return record;
  return Object.create(record, {
    attributes: { value: attributes },
    body: { value: body },
  }) as ReadableLogRecord;
}

/** The same object when nothing in it changes, so the common case allocates nothing. */
function redactAttributes(attributes: Attributes, secrets: SecretRegistry): Attributes {
  let out: Attributes | undefined;
  for (const key in attributes) {
    const value = attributes[key];
    const redacted = redactValue(value, secrets);
    if (redacted === value) continue;
    out ??= { ...attributes };
    out[key] = redacted;
  }
  return out ?? attributes;
}

function redactValue(value: AttributeValue | undefined, secrets: SecretRegistry): AttributeValue | undefined {
  if (typeof value === 'string') return secrets.redact(value);
  if (!Array.isArray(value)) return value;
  let out: unknown[] | undefined;
  value.forEach((item, index) => {
    if (typeof item !== 'string') return;
    const redacted = secrets.redact(item);
    if (redacted === item) return;
    out ??= [...value];
    out[index] = redacted;
  });
  return (out as AttributeValue | undefined) ?? value;
}

function redactAnyMap(map: AnyValueMap, secrets: SecretRegistry): AnyValueMap {
  let out: AnyValueMap | undefined;
  for (const key in map) {
    const value = map[key];
    const redacted = redactAny(value, secrets);
    if (redacted === value) continue;
    out ??= { ...map };
    out[key] = redacted;
  }
  return out ?? map;
}

function redactAny(value: AnyValue, secrets: SecretRegistry, depth = 0): AnyValue {
  if (typeof value === 'string') return secrets.redact(value);
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || depth > 32) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => redactAny(item, secrets, depth + 1));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  return redactAnyMap(value as AnyValueMap, secrets);
}
