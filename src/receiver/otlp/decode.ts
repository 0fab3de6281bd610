/**
 * Decoding OTLP/HTTP export request bodies, in either encoding the OpenTelemetry exporters send
 * (`application/x-protobuf` or `application/json`, optionally `Content-Encoding: gzip`), into
 * the plain shapes of `types.ts`. Every failure is an `OtlpDecodeError`.
 */
import { DEFAULT_MAX_BODY_BYTES, decompressSync, encodingOf, parseBody } from './body.ts';
import { OtlpDecodeError } from './errors.ts';
import { logRecordsOf } from './logs.ts';
import { metricsOf } from './metrics.ts';
import type { OtlpSignal } from './schema.ts';
import { spansOf } from './traces.ts';
import type { DecodedLogRecord, DecodedMetric, DecodedSpan } from './types.ts';

export interface DecodeOptions {
  /** Largest body accepted once decompressed, in bytes. @default 16 MiB */
  maxBodyBytes?: number;
}

/** What each signal decodes to. */
export interface DecodedBySignal {
  traces: DecodedSpan[];
  logs: DecodedLogRecord[];
  metrics: DecodedMetric[];
}

const NORMALISERS: { readonly [S in OtlpSignal]: (message: unknown) => DecodedBySignal[S] } = {
  traces: spansOf,
  logs: logRecordsOf,
  metrics: metricsOf,
};

/** Decodes one request body of the given signal; the decode* functions below are this, named. */
export function decodeRequest<S extends OtlpSignal>(
  signal: S,
  body: Uint8Array,
  contentType: string | undefined,
  contentEncoding?: string,
  options: DecodeOptions = {},
): DecodedBySignal[S] {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const encoding = encodingOf(contentType);
  const plain = decompressSync(body, contentEncoding, maxBytes);
  if (plain.length > maxBytes)
    throw new OtlpDecodeError('too-large', `body is larger than ${maxBytes} bytes`);
  return NORMALISERS[signal](parseBody(plain, encoding, signal));
}

export function decodeTraces(
  body: Uint8Array,
  contentType: string | undefined,
  contentEncoding?: string,
  options?: DecodeOptions,
): DecodedSpan[] {
  return decodeRequest('traces', body, contentType, contentEncoding, options);
}

export function decodeLogs(
  body: Uint8Array,
  contentType: string | undefined,
  contentEncoding?: string,
  options?: DecodeOptions,
): DecodedLogRecord[] {
  return decodeRequest('logs', body, contentType, contentEncoding, options);
}

export function decodeMetrics(
  body: Uint8Array,
  contentType: string | undefined,
  contentEncoding?: string,
  options?: DecodeOptions,
): DecodedMetric[] {
  return decodeRequest('metrics', body, contentType, contentEncoding, options);
}
