import type { Exception } from '@opentelemetry/api';
import { redactSecrets } from '../secrets.ts';
import { Attr } from './keys.ts';

/** What a flow run's parameters put on its span and transition records. */
export type ParamRecording = 'values' | 'types' | 'none';

export const REDACTED = '[REDACTED]';

/** Keys whose values are never recorded, whatever the schema says. Matched anywhere in the key. */
const SECRET_KEY =
  /pass(word|phrase)?|pwd|token|secret|api[-_]?key|private[-_]?key|access[-_]?key|^key$|[-_]key$|auth|credential|cookie|session|signature|dsn|bearer/i;
/** `sshKey`, `signingKey`: a camelCase word ending in Key (but not `monkey`). */
const CAMEL_KEY = /[a-z0-9]Key$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || CAMEL_KEY.test(key);
}

export interface RedactOptions {
  readonly recording: ParamRecording;
  /** Longest recorded value, in characters; longer ones are cut and marked. */
  readonly maxLength: number;
  /**
   * Parameters marked secret by the flow (schema metadata or `secrets`), as paths: `['apiKey']`,
   * `['db', 'password']`, `['targets', '*', 'token']` (`*`: every item of an array).
   */
  readonly secretPaths: readonly (readonly string[])[];
}

type Primitive = string | number | boolean;

/**
 * Parameters as they may be recorded: secret values replaced, nested secrets too, long values cut.
 * Returns plain values (primitives or JSON strings), safe for span attributes, logs and alerts.
 */
export function redactParams(params: unknown, options: RedactOptions): Record<string, Primitive> | undefined {
  if (options.recording === 'none' || typeof params !== 'object' || params === null) return undefined;
  const masked = maskPaths(params, options.secretPaths) as Record<string, unknown>;
  const out: Record<string, Primitive> = {};
  for (const [key, value] of Object.entries(masked)) {
    if (value === undefined) continue;
    if (value === REDACTED || isSecretKey(key)) out[key] = REDACTED;
    else if (options.recording === 'types') out[key] = typeName(value);
    else out[key] = truncate(recordable(value), options.maxLength);
  }
  return out;
}

/** A copy of `value` with `[REDACTED]` at each path (only the objects along the paths are copied). */
export function maskPaths(value: unknown, paths: readonly (readonly string[])[]): unknown {
  let out = value;
  for (const path of paths) out = maskPath(out, path, 0);
  return out;
}

function maskPath(value: unknown, path: readonly string[], at: number): unknown {
  const key = path[at];
  if (key === undefined) return value === undefined ? value : REDACTED;
  if (typeof value !== 'object' || value === null) return value;
  if (key === '*') return Array.isArray(value) ? value.map((item) => maskPath(item, path, at + 1)) : value;
  if (!Object.hasOwn(value, key)) return value;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  copy[key] = maskPath((value as Record<string, unknown>)[key], path, at + 1);
  return copy;
}

/**
 * The values of secret parameters, as texts to redact wherever they appear (an error message that quotes
 * one): those at the flow's secret paths, and those under secret-looking keys at any depth.
 */
export function secretValuesOf(params: unknown, paths: readonly (readonly string[])[]): string[] {
  const found: string[] = [];
  const take = (value: unknown) => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
      found.push(String(value));
    else if (typeof value === 'object' && value !== null) walkValues(value, take, 0);
  };
  for (const path of paths) valuesAt(params, path, 0, take);
  walkSecretKeys(params, take, 0);
  return found;
}

function valuesAt(value: unknown, path: readonly string[], at: number, take: (v: unknown) => void): void {
  const key = path[at];
  if (key === undefined) {
    take(value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (key === '*') {
    if (Array.isArray(value)) for (const item of value) valuesAt(item, path, at + 1, take);
    return;
  }
  if (Object.hasOwn(value, key)) valuesAt((value as Record<string, unknown>)[key], path, at + 1, take);
}

function walkSecretKeys(value: unknown, take: (v: unknown) => void, depth: number): void {
  if (typeof value !== 'object' || value === null || depth > 32) return;
  for (const [key, item] of Object.entries(value)) {
    if (isSecretKey(key)) take(item);
    else walkSecretKeys(item, take, depth + 1);
  }
}

function walkValues(value: object, take: (v: unknown) => void, depth: number): void {
  if (depth > 32) return;
  for (const item of Object.values(value)) take(item);
}

/**
 * Attributes of a run log (`log.info(message, attributes)`) as they may be exported: values under
 * secret-looking keys replaced, by the same key rules as parameters.
 */
export function redactAttributeKeys<T extends Record<string, unknown>>(attributes: T): T {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(attributes)) {
    if (!isSecretKey(key)) continue;
    out ??= { ...attributes };
    out[key] = REDACTED;
  }
  return (out as T | undefined) ?? attributes;
}

/**
 * What `span.recordException` gets for a thrown error: the error itself, or, when its message or stack
 * holds a secret the process knows, a plain exception with those redacted (the error the user code
 * catches is not changed).
 */
export function exceptionOf(error: unknown, info: { type: string; message: string }): Exception {
  if (!(error instanceof Error)) return { name: info.type, message: info.message };
  const stack = error.stack === undefined ? undefined : redactSecrets(error.stack);
  if (info.message === error.message && stack === error.stack) return error;
  return stack === undefined
    ? { name: info.type, message: info.message }
    : { name: info.type, message: info.message, stack };
}

/** `flowtel.parameter.<name>` attributes for redacted parameters. */
export function paramAttributes(redacted: Record<string, Primitive> | undefined): Record<string, Primitive> {
  const attributes: Record<string, Primitive> = {};
  if (!redacted) return attributes;
  for (const [key, value] of Object.entries(redacted)) attributes[Attr.PARAMETER_PREFIX + key] = value;
  return attributes;
}

function recordable(value: unknown): Primitive {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  try {
    return (
      JSON.stringify(value, (key, nested) => (key && isSecretKey(key) ? REDACTED : jsonSafe(nested))) ?? ''
    );
  } catch {
    return `[unserializable ${typeName(value)}]`;
  }
}

function jsonSafe(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function truncate(value: Primitive, maxLength: number): Primitive {
  if (typeof value !== 'string' || value.length <= maxLength) return value;
  return `${value.slice(0, maxLength)}…[truncated ${value.length - maxLength} chars]`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  return typeof value;
}
