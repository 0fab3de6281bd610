/** The bounds of `IngestLimits`, their defaults, and the checks of one item against them. */

import { preview as quote } from '../otlp/errors.ts';
import type { Attributes, AttrValue, DecodedLogRecord, DecodedSpan } from '../otlp/types.ts';
import { IngestProblem } from './problem.ts';
import type { IngestLimits } from './types.ts';

export type ResolvedLimits = Required<IngestLimits>;

export const ingestDefaults: ResolvedLimits = {
  maxAttributes: 1024,
  maxEvents: 1024,
  maxStringLength: 65_536,
  maxItemsPerRequest: 65_536,
  recentKeys: 100_000,
  knownSpans: 100_000,
  maxWaitingSpans: 50_000,
};

export function resolveLimits(limits: IngestLimits = {}): ResolvedLimits {
  const resolved = { ...ingestDefaults };
  for (const key of Object.keys(ingestDefaults) as (keyof ResolvedLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`limits.${key} must be a positive integer, got ${String(value)}`);
    }
    resolved[key] = value;
  }
  return resolved;
}

/** Throws an `IngestProblem` when the span passes a limit. */
export function checkSpan(span: DecodedSpan, limits: ResolvedLimits): void {
  const what = `span ${quote(span.name, 60)}`;
  checkString(span.name, limits, `${what} name`);
  if (span.status.message !== undefined) checkString(span.status.message, limits, `${what} status message`);
  checkAttributes(span.attributes, limits, what);
  if (span.events.length > limits.maxEvents) {
    throw new IngestProblem(
      'too-many-events',
      `${what} has ${span.events.length} events (limit ${limits.maxEvents})`,
    );
  }
  for (const event of span.events) {
    checkString(event.name, limits, `${what} event name`);
    checkAttributes(event.attributes, limits, `${what} event ${quote(event.name, 40)}`);
  }
}

/** Throws an `IngestProblem` when the log record passes a limit. */
export function checkLogRecord(record: DecodedLogRecord, limits: ResolvedLimits): void {
  const what = `log record${record.eventName === undefined ? '' : ` ${quote(record.eventName, 60)}`}`;
  checkValue(record.body, limits, `${what} body`);
  checkAttributes(record.attributes, limits, what);
}

function checkAttributes(attributes: Attributes, limits: ResolvedLimits, what: string): void {
  const keys = Object.keys(attributes);
  if (keys.length > limits.maxAttributes) {
    throw new IngestProblem(
      'too-many-attributes',
      `${what} has ${keys.length} attributes (limit ${limits.maxAttributes})`,
    );
  }
  for (const key of keys) {
    checkString(key, limits, `${what} attribute key`);
    checkValue(attributes[key] ?? null, limits, `${what} attribute ${quote(key, 60)}`);
  }
}

/** Strings anywhere in a value (arrays and key-value lists included; the decoder bounds their depth). */
function checkValue(value: AttrValue, limits: ResolvedLimits, what: string): void {
  if (typeof value === 'string') checkString(value, limits, what);
  else if (value instanceof Uint8Array) {
    if (value.length > limits.maxStringLength) tooLong(value.length, limits, what);
  } else if (Array.isArray(value)) {
    for (const item of value as readonly AttrValue[]) checkValue(item, limits, what);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      checkString(key, limits, what);
      checkValue(item, limits, what);
    }
  }
}

function checkString(text: string, limits: ResolvedLimits, what: string): void {
  if (text.length > limits.maxStringLength) tooLong(text.length, limits, what);
}

function tooLong(length: number, limits: ResolvedLimits, what: string): never {
  throw new IngestProblem(
    'string-too-long',
    `${what} is ${length} characters long (limit ${limits.maxStringLength})`,
  );
}
