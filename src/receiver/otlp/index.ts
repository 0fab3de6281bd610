/**
 * OTLP/HTTP receiving: decode export requests from the OpenTelemetry exporters (protobuf or JSON,
 * optionally gzip) into plain values, and a `node:http` handler that serves `/v1/{traces,logs,metrics}`.
 */
export { DEFAULT_MAX_BODY_BYTES, type OtlpEncoding } from './body.ts';
export {
  type DecodedBySignal,
  type DecodeOptions,
  decodeLogs,
  decodeMetrics,
  decodeRequest,
  decodeTraces,
} from './decode.ts';
export { OtlpDecodeError, type OtlpDecodeProblem } from './errors.ts';
export {
  type AcceptedRequest,
  createOtlpHttpHandler,
  OTLP_PATHS,
  type OtlpHttpHandler,
  type OtlpHttpHandlerOptions,
  type OtlpRequestInfo,
  type RequestRejection,
} from './http-handler.ts';
export type { PartialSuccess } from './response.ts';
export type { OtlpSignal } from './schema.ts';
export {
  type AggregationTemporality,
  type Attributes,
  type AttrValue,
  type DecodedLogRecord,
  type DecodedMetric,
  type DecodedScope,
  type DecodedSpan,
  type DecodedSpanEvent,
  type DecodedSpanLink,
  type ExponentialBuckets,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type NumberDataPoint,
  OtlpSpanKind,
  OtlpStatusCode,
  type SummaryDataPoint,
} from './types.ts';
