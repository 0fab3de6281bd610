/**
 * From request bytes to a plain message object: pick the encoding from Content-Type, undo
 * Content-Encoding, then parse protobuf (with the OTLP schema) or JSON.
 */
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { OtlpDecodeError, preview } from './errors.ts';
import { MESSAGES, messageType, type OtlpSignal } from './schema.ts';

export type OtlpEncoding = 'protobuf' | 'json';

/** 16 MiB, after decompression. @default */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const MEDIA_TYPES: Readonly<Record<string, OtlpEncoding>> = {
  'application/x-protobuf': 'protobuf',
  'application/json': 'json',
};

/** The OTLP encoding a Content-Type header names (parameters such as `charset` are ignored). */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const encoding = MEDIA_TYPES[mediaType];
  if (encoding === undefined) {
    throw new OtlpDecodeError(
      'unsupported-media-type',
      contentType
        ? `unsupported content type ${preview(contentType, 40)}: use application/x-protobuf or application/json`
        : 'missing content type: use application/x-protobuf or application/json',
    );
  }
  return encoding;
}

function isGzip(contentEncoding: string | undefined): boolean {
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return false;
  if (coding === 'gzip' || coding === 'x-gzip') return true;
  throw new OtlpDecodeError(
    'unsupported-media-type',
    `unsupported content encoding ${preview(coding, 20)}: use gzip or none`,
  );
}

function decompressionError(error: unknown, maxBytes: number): OtlpDecodeError {
  // zlib reports an output over maxOutputLength as a RangeError (ERR_BUFFER_TOO_LARGE).
  if (error instanceof RangeError) {
    return new OtlpDecodeError('too-large', `body is larger than ${maxBytes} bytes once decompressed`);
  }
  return new OtlpDecodeError('bad-compression', 'body is not valid gzip data', { cause: error });
}

/** Undoes Content-Encoding synchronously (for the decode functions). */
export function decompressSync(
  body: Uint8Array,
  contentEncoding: string | undefined,
  maxBytes: number,
): Uint8Array {
  if (!isGzip(contentEncoding)) return body;
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    throw decompressionError(error, maxBytes);
  }
}

const gunzipAsync = promisify(gunzip);

/** Undoes Content-Encoding off the event loop's critical path (for the HTTP handler). */
export async function decompress(
  body: Uint8Array,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Uint8Array> {
  if (!isGzip(contentEncoding)) return body;
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    throw decompressionError(error, maxBytes);
  }
}

/** Parses an uncompressed body into the plain object the normalisers read (see `wire.ts`). */
export function parseBody(body: Uint8Array, encoding: OtlpEncoding, signal: OtlpSignal): unknown {
  return encoding === 'protobuf' ? parseProtobuf(body, signal) : parseJson(body);
}

function parseProtobuf(body: Uint8Array, signal: OtlpSignal): unknown {
  const type = messageType(MESSAGES[signal].request);
  let message: ReturnType<typeof type.decode>;
  try {
    message = type.decode(body);
  } catch (error) {
    // protobufjs messages name offsets and wire types, never the bytes themselves.
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError('malformed', `body is not a valid protobuf ${type.name}: ${reason}`, {
      cause: error,
    });
  }
  // 64-bit integers as decimal strings: exact, and the same shape OTLP/JSON uses.
  return type.toObject(message, { longs: String });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new OtlpDecodeError('malformed', 'JSON body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The SyntaxError's message quotes the input, so only its position is kept.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new OtlpDecodeError(
      'malformed',
      `body is not valid JSON${position ? ` (at position ${position})` : ''}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OtlpDecodeError('malformed', 'JSON body must be an object');
  }
  return parsed;
}
