/**
 * Typed readings of untrusted attributes, for the fields of a transition record. A value of the wrong
 * kind is an `IngestProblem` naming the key and what was expected; an absent one is `undefined`.
 */
import { type StateName, StateNames } from '../../runtime/state.ts';
import type { ErrorInfo } from '../../runtime/transition.ts';
import { Attr } from '../../telemetry/keys.ts';
import { preview } from '../otlp/errors.ts';
import type { Attributes, AttrValue } from '../otlp/types.ts';
import { IngestProblem } from './problem.ts';

function invalid(key: string, expected: string, value: AttrValue): IngestProblem {
  const got =
    typeof value === 'string'
      ? preview(value, 40)
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : Array.isArray(value)
          ? 'an array'
          : typeof value;
  return new IngestProblem('invalid-record', `${key} must be ${expected}, got ${got}`);
}

export function text(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(key, 'a string', value);
  return value;
}

/** A safe integer at least `min` (OTLP carries integers as int64, doubles when a JS SDK sent a number). */
export function integer(attributes: Attributes, key: string, min: number): number | undefined {
  const value = attributes[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(key, `an integer of at least ${min}`, value);
  }
  return value;
}

export function positive(attributes: Attributes, key: string): number | undefined {
  const value = attributes[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(key, 'a number above 0', value);
  }
  return value;
}

export function texts(attributes: Attributes, key: string): readonly string[] | undefined {
  const value = attributes[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(key, 'an array of strings', value as AttrValue);
  }
  return value as readonly string[];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 time as a transition record holds it (`scheduledAt`, `startedAt`). */
export function isoTime(attributes: Attributes, key: string): string | undefined {
  const value = text(attributes, key);
  if (value !== undefined && (!ISO_TIME.test(value) || Number.isNaN(Date.parse(value)))) {
    throw invalid(key, 'an ISO-8601 time', value);
  }
  return value;
}

/** The state a `flowtel.state` record or event names; its type, when given, must be the name's type. */
export function stateOf(attributes: Attributes): { type: (typeof StateNames)[StateName]; name: StateName } {
  const name = text(attributes, Attr.STATE_NAME);
  if (name === undefined || !Object.hasOwn(StateNames, name)) {
    throw invalid(Attr.STATE_NAME, 'a state name such as Running or Failed', name ?? null);
  }
  const type = StateNames[name as StateName];
  const given = text(attributes, Attr.STATE_TYPE);
  if (given !== undefined && given !== type) {
    throw new IngestProblem(
      'invalid-record',
      `${Attr.STATE_TYPE} must be ${type} for state ${name}, got ${preview(given, 20)}`,
    );
  }
  return { type, name: name as StateName };
}

/** Epoch ms from OTLP nanoseconds; 0 (unset) or out of the range of a date is a problem. */
export function epochMs(nanos: bigint, what: string): number {
  const ms = Number(nanos / 1_000_000n);
  if (nanos <= 0n || ms > 8.64e15) {
    throw new IngestProblem('invalid-record', `${what} must be a time, got ${nanos} ns`);
  }
  return ms;
}

/** The redacted parameters (`flowtel.parameter.<name>`); undefined when there are none. */
export function params(attributes: Attributes): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  for (const key of Object.keys(attributes)) {
    if (!key.startsWith(Attr.PARAMETER_PREFIX)) continue;
    found ??= {};
    // defineProperty, so a parameter named "__proto__" stays data.
    Object.defineProperty(found, key.slice(Attr.PARAMETER_PREFIX.length), {
      value: attributes[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return found;
}

const ERROR_TYPE_PREFIX = /^([A-Za-z_$][\w$.]*): /;

/**
 * The error in a state message written as `${type}: ${message}` (flowtel's final states, a status
 * message). `knownType` (the span's `error.type`) is preferred over guessing where the type ends.
 */
export function errorFromMessage(message: string | undefined, knownType?: string): ErrorInfo | undefined {
  if (message === undefined) return undefined;
  if (knownType !== undefined && message.startsWith(`${knownType}: `)) {
    return { type: knownType, message: message.slice(knownType.length + 2) };
  }
  const type = ERROR_TYPE_PREFIX.exec(message)?.[1];
  return type === undefined ? undefined : { type, message: message.slice(type.length + 2) };
}
