/**
 * Readers for one field of a decoded OTLP message, shared by both encodings.
 *
 * Protobuf bodies reach these functions as protobufjs `toObject` output (camelCase keys, 64-bit
 * integers as decimal strings, bytes as `Uint8Array`, enums as numbers); JSON bodies as parsed
 * OTLP/JSON (camelCase keys, 64-bit integers as strings or numbers, ids as hex strings, other
 * bytes as base64, enums as numbers or names). Each reader accepts both, treats an absent field as
 * its proto3 default, and throws an `OtlpDecodeError` naming the field path otherwise.
 */
import { OtlpDecodeError } from './errors.ts';

export type WireObject = { readonly [key: string]: unknown };

const EMPTY: WireObject = Object.freeze({});

function invalid(path: string, expected: string): OtlpDecodeError {
  return new OtlpDecodeError('invalid-field', `${path || 'body'}: expected ${expected}`);
}

/** proto3 JSON allows `null` for "not set", so both null and undefined mean absent. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function object(value: unknown, path: string): WireObject {
  if (!isSet(value)) return EMPTY;
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw invalid(path, 'an object');
  }
  return value as WireObject;
}

export function list(value: unknown, path: string): readonly unknown[] {
  if (!isSet(value)) return [];
  if (!Array.isArray(value)) throw invalid(path, 'an array');
  return value;
}

export function string(value: unknown, path: string): string {
  if (!isSet(value)) return '';
  if (typeof value !== 'string') throw invalid(path, 'a string');
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (!isSet(value)) return false;
  if (typeof value !== 'boolean') throw invalid(path, 'a boolean');
  return value;
}

/** A double: a JSON number, or one of the strings proto3 JSON uses for special and quoted values. */
export function double(value: unknown, path: string): number {
  if (!isSet(value)) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    const parsed = Number(value);
    if (value.trim() !== '' && !Number.isNaN(parsed)) return parsed;
  }
  throw invalid(path, 'a number');
}

const UNSIGNED = /^\d{1,20}$/;
const SIGNED = /^-?\d{1,20}$/;

function integer(value: unknown, path: string, pattern: RegExp, expected: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && pattern.test(value)) return BigInt(value);
  throw invalid(path, expected);
}

/** uint64/fixed64 timestamps, exact. */
export function uint64(value: unknown, path: string): bigint {
  if (!isSet(value)) return 0n;
  const parsed = integer(value, path, UNSIGNED, 'an unsigned 64-bit integer');
  if (parsed < 0n || parsed > 0xffff_ffff_ffff_ffffn) throw invalid(path, 'an unsigned 64-bit integer');
  return parsed;
}

/**
 * int64 values (attribute `intValue`, metric `asInt`): a `number` when it fits exactly
 * (|v| ≤ 2^53 − 1), otherwise a `bigint`, so no value ever loses precision silently.
 */
export function int64(value: unknown, path: string): number | bigint {
  if (!isSet(value)) return 0;
  // The common case, a small integer as a JSON number, without a detour through BigInt.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const parsed = integer(value, path, SIGNED, 'a 64-bit integer');
  if (parsed < -(2n ** 63n) || parsed >= 2n ** 63n) throw invalid(path, 'a 64-bit integer');
  return parsed >= BigInt(Number.MIN_SAFE_INTEGER) && parsed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(parsed)
    : parsed;
}

/** Counts (fixed64/uint64 bucket counts): plain numbers; exact up to 2^53, which no count reaches. */
export function count(value: unknown, path: string): number {
  return Number(uint64(value, path));
}

/** uint32/int32 fields (flags, dropped counts, sint32 scale/offset). */
export function int32(value: unknown, path: string): number {
  if (!isSet(value)) return 0;
  const parsed = typeof value === 'string' && SIGNED.test(value) ? Number(value) : value;
  if (
    typeof parsed !== 'number' ||
    !Number.isInteger(parsed) ||
    parsed < -(2 ** 31) ||
    parsed > 2 ** 32 - 1
  ) {
    throw invalid(path, 'a 32-bit integer');
  }
  return parsed;
}

/** Enums: numbers on the wire (the OTLP/JSON rule), or value names (the proto3 JSON mapping). */
export function enumeration(value: unknown, path: string, names: Readonly<Record<string, number>>): number {
  if (typeof value === 'string' && !SIGNED.test(value)) {
    const byName = names[value];
    if (byName === undefined) throw invalid(path, 'a known enum value');
    return byName;
  }
  return int32(value, path);
}

const HEX = /^[0-9a-f]*$/i;

/**
 * Trace and span ids: `bytes` in protobuf, hex strings in OTLP/JSON (not base64, unlike other
 * bytes fields). Returns lowercase hex, or `undefined` for an absent or empty id.
 */
export function optionalId(value: unknown, path: string, byteLength: 8 | 16): string | undefined {
  let hex: string;
  if (!isSet(value)) return undefined;
  if (value instanceof Uint8Array)
    hex = Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex');
  else if (typeof value === 'string' && HEX.test(value) && value.length % 2 === 0) hex = value.toLowerCase();
  else throw invalid(path, `a ${byteLength}-byte id as hex`);
  if (hex.length === 0) return undefined;
  if (hex.length !== byteLength * 2)
    throw invalid(path, `a ${byteLength}-byte id, got ${hex.length / 2} bytes`);
  return hex;
}

/** Span and link ids, which OTLP requires: without them nothing can be placed in a trace. */
export function requiredId(value: unknown, path: string, byteLength: 8 | 16): string {
  const hex = optionalId(value, path, byteLength);
  if (hex === undefined) throw invalid(path, `a ${byteLength}-byte id, got none`);
  return hex;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Other bytes fields: raw in protobuf, base64 in JSON. Always a fresh `Uint8Array`. */
export function bytes(value: unknown, path: string): Uint8Array {
  if (!isSet(value)) return new Uint8Array();
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (typeof value === 'string' && BASE64.test(value)) return new Uint8Array(Buffer.from(value, 'base64'));
  throw invalid(path, 'base64 bytes');
}
