/**
 * OTLP/HTTP response bodies: an empty Export*ServiceResponse on success, a google.rpc.Status on
 * failure, each in the encoding of the request ("the server MUST use the same Content-Type in the
 * response as it received in the request").
 */
import type { OtlpEncoding } from './body.ts';
import { MESSAGES, messageType, type OtlpSignal, STATUS_MESSAGE } from './schema.ts';

export interface EncodedResponse {
  contentType: string;
  body: Uint8Array;
}

const CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** google.rpc.Code values for the statuses a receiver answers with. */
const RPC_CODES: Readonly<Record<number, number>> = {
  400: 3, // INVALID_ARGUMENT
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};

function encode(encoding: OtlpEncoding, typeName: string, value: Record<string, unknown>): EncodedResponse {
  if (encoding === 'json') {
    return { contentType: CONTENT_TYPES.json, body: new TextEncoder().encode(JSON.stringify(value)) };
  }
  const type = messageType(typeName);
  return { contentType: CONTENT_TYPES.protobuf, body: type.encode(type.fromObject(value)).finish() };
}

/** Items of an accepted request that the receiver refused, for the response's `partial_success`. */
export interface PartialSuccess {
  rejected: number;
  message?: string;
}

/** The field of each signal's `partial_success` that counts what was rejected. */
const REJECTED_FIELDS: Readonly<Record<OtlpSignal, string>> = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
};

/**
 * Success: with `partial_success` when items were rejected, else an empty message (zero bytes in
 * protobuf, `{}` in JSON), as the specification asks for full success.
 */
export function successResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  partial?: PartialSuccess,
): EncodedResponse {
  if (!partial || partial.rejected === 0) return encode(encoding, MESSAGES[signal].response, {});
  // int64 as a decimal string: the proto3 JSON mapping, and accepted by protobufjs' fromObject.
  const partialSuccess = {
    [REJECTED_FIELDS[signal]]: String(partial.rejected),
    ...(partial.message === undefined ? {} : { errorMessage: partial.message }),
  };
  return encode(encoding, MESSAGES[signal].response, { partialSuccess });
}

export function statusResponse(httpStatus: number, message: string, encoding: OtlpEncoding): EncodedResponse {
  return encode(encoding, STATUS_MESSAGE, { code: RPC_CODES[httpStatus] ?? 2 /* UNKNOWN */, message });
}
