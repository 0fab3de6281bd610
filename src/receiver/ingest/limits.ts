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

/**
 * A limit passed, and where: the walk returns it (nothing is allocated when all is well) and the
 * caller names the item only then, since quoting untrusted text for every item would cost more than
 * the checks.
 */
interface Passed {
  readonly reason: 'too-many-attributes' | 'too-many-events' | 'string-too-long';
  readonly where: string;
  readonly size: number;
  readonly limit: number;
}

/** Throws an `IngestProblem` when the span passes a limit. */
export function checkSpan(span: DecodedSpan, limits: ResolvedLimits): void {
  const passed = spanPasses(span, limits);
  if (passed) throw problem(`span ${quote(span.name, 60)}`, passed);
}

/** Throws an `IngestProblem` when the log record passes a limit. */
export function checkLogRecord(record: DecodedLogRecord, limits: ResolvedLimits): void {
  const passed = valuePasses(record.body, limits, 'body') ?? attributesPass(record.attributes, limits, '');
  if (passed) {
    const name = record.eventName === undefined ? '' : ` ${quote(record.eventName, 60)}`;
    throw problem(`log record${name}`, passed);
  }
}

function problem(item: string, { reason, where, size, limit }: Passed): IngestProblem {
  const what = where === '' ? item : `${item} ${where}`;
  const message =
    reason === 'string-too-long'
      ? `${what} is ${size} characters long (limit ${limit})`
      : `${what} has ${size} ${reason === 'too-many-events' ? 'events' : 'attributes'} (limit ${limit})`;
  return new IngestProblem(reason, message);
}

function spanPasses(span: DecodedSpan, limits: ResolvedLimits): Passed | undefined {
  const passed =
    stringPasses(span.name, limits, 'name') ??
    (span.status.message === undefined
      ? undefined
      : stringPasses(span.status.message, limits, 'status message')) ??
    attributesPass(span.attributes, limits, '');
  if (passed) return passed;
  if (span.events.length > limits.maxEvents) {
    return { reason: 'too-many-events', where: '', size: span.events.length, limit: limits.maxEvents };
  }
  for (const event of span.events) {
    const eventPassed = stringPasses(event.name, limits, 'event name');
    if (eventPassed) return eventPassed;
    const attributePassed = attributesPass(event.attributes, limits, '');
    if (attributePassed) {
      const where = `event ${quote(event.name, 40)} ${attributePassed.where}`.trim();
      return { ...attributePassed, where };
    }
  }
  return undefined;
}

function attributesPass(attributes: Attributes, limits: ResolvedLimits, where: string): Passed | undefined {
  const keys = Object.keys(attributes);
  if (keys.length > limits.maxAttributes) {
    return { reason: 'too-many-attributes', where, size: keys.length, limit: limits.maxAttributes };
  }
  for (const key of keys) {
    const passed = stringPasses(key, limits, '') ?? valuePasses(attributes[key] ?? null, limits, '');
    if (passed) return { ...passed, where: `${where} attribute ${quote(key, 60)}`.trim() };
  }
  return undefined;
}

/** Strings anywhere in a value (arrays and key-value lists included; the decoder bounds their depth). */
function valuePasses(value: AttrValue, limits: ResolvedLimits, where: string): Passed | undefined {
  if (typeof value === 'string') return stringPasses(value, limits, where);
  if (value instanceof Uint8Array) return lengthPasses(value.length, limits, where);
  if (Array.isArray(value)) {
    for (const item of value as readonly AttrValue[]) {
      const passed = valuePasses(item, limits, where);
      if (passed) return passed;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const passed = stringPasses(key, limits, where) ?? valuePasses(item, limits, where);
      if (passed) return passed;
    }
  }
  return undefined;
}

function stringPasses(text: string, limits: ResolvedLimits, where: string): Passed | undefined {
  return lengthPasses(text.length, limits, where);
}

function lengthPasses(length: number, limits: ResolvedLimits, where: string): Passed | undefined {
  return length > limits.maxStringLength
    ? { reason: 'string-too-long', where, size: length, limit: limits.maxStringLength }
    : undefined;
}
