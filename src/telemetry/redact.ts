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
  /** Top-level parameter names marked secret by the flow (schema metadata or `secrets`). */
  readonly secretKeys: ReadonlySet<string>;
}

type Primitive = string | number | boolean;

/**
 * Parameters as they may be recorded: secret values replaced, nested secrets too, long values cut.
 * Returns plain values (primitives or JSON strings), safe for span attributes, logs and alerts.
 */
export function redactParams(params: unknown, options: RedactOptions): Record<string, Primitive> | undefined {
  if (options.recording === 'none' || typeof params !== 'object' || params === null) return undefined;
  const out: Record<string, Primitive> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (options.secretKeys.has(key) || isSecretKey(key)) out[key] = REDACTED;
    else if (options.recording === 'types') out[key] = typeName(value);
    else out[key] = truncate(recordable(value), options.maxLength);
  }
  return out;
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
