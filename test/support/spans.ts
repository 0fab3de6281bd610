import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** The one span with this name; fails loudly when there are none or several. */
export function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1)
    throw new Error(`expected one span '${name}', found ${found.length}: ${names(spans)}`);
  return found[0]!;
}

export function named(spans: ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

export function parentOf(spans: ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined {
  const parentId = span.parentSpanContext?.spanId;
  return spans.find((s) => s.spanContext().spanId === parentId);
}

export function childrenOf(spans: ReadableSpan[], span: ReadableSpan): ReadableSpan[] {
  return spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId);
}

/** The `flowtel.state.name` of each state event of a span, in order. */
export function stateNames(span: ReadableSpan): unknown[] {
  return span.events
    .filter((e) => e.name === 'flowtel.state')
    .map((e) => e.attributes?.['flowtel.state.name']);
}

export function exceptionEvents(span: ReadableSpan) {
  return span.events.filter((e) => e.name === 'exception');
}

function names(spans: ReadableSpan[]): string {
  return spans.map((s) => s.name).join(', ');
}
