/**
 * The plain shapes both OTLP encodings decode to. Conventions, the same everywhere:
 * - ids are lowercase hex strings; an empty id is an absent property;
 * - timestamps are `bigint` nanoseconds since the Unix epoch (exact; `0n` means "not set");
 * - enums keep their OTLP numbers (note that OTLP span kinds differ from `@opentelemetry/api`'s:
 *   see `OtlpSpanKind`);
 * - counts are `number`s;
 * - attribute values follow `AttrValue`.
 */

/**
 * An OTLP `AnyValue` as a plain value. `intValue` becomes a `number` when it fits exactly
 * (|v| ≤ 2^53 − 1) and a `bigint` otherwise; `bytesValue` a `Uint8Array`; `kvlistValue` a plain
 * object; an empty `AnyValue` `null`.
 */
export type AttrValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | null
  | readonly AttrValue[]
  | { readonly [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

export interface DecodedScope {
  name: string;
  version?: string;
  attributes: Attributes;
}

/** Span kinds as OTLP numbers them (`@opentelemetry/api`'s `SpanKind` starts at INTERNAL = 0). */
export const OtlpSpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export const OtlpStatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface DecodedSpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface DecodedSpanLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: Attributes;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  /** Absent on a root span. */
  parentSpanId?: string;
  traceState?: string;
  /** W3C trace flags and OTLP's remote-parent bits. */
  flags: number;
  name: string;
  /** An `OtlpSpanKind` number. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: DecodedSpanEvent[];
  links: DecodedSpanLink[];
  /** `code` is an `OtlpStatusCode` number; `message` is absent when empty. */
  status: { code: number; message?: string };
  resource: Attributes;
  scope: DecodedScope;
}

export interface DecodedLogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** 1–24 as in the OpenTelemetry log data model (INFO = 9, WARN = 13, ERROR = 17); 0 when unset. */
  severityNumber: number;
  severityText?: string;
  /** The body as a plain value; `null` when the record has none. */
  body: AttrValue;
  attributes: Attributes;
  eventName?: string;
  traceId?: string;
  spanId?: string;
  flags: number;
  resource: Attributes;
  scope: DecodedScope;
}

interface DataPointBase {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

export interface NumberDataPoint extends DataPointBase {
  /** `asDouble` as a number; `asInt` as a number, or a `bigint` beyond 2^53 − 1. */
  value: number | bigint;
}

export interface HistogramDataPoint extends DataPointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** One more entry than `explicitBounds`: the last bucket is (last bound, +∞). */
  bucketCounts: number[];
  explicitBounds: number[];
}

export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

export interface ExponentialHistogramDataPoint extends DataPointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

export interface SummaryDataPoint extends DataPointBase {
  count: number;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

interface MetricBase {
  name: string;
  description: string;
  unit: string;
  resource: Attributes;
  scope: DecodedScope;
}

/** AGGREGATION_TEMPORALITY_*: 1 delta, 2 cumulative. */
export type AggregationTemporality = number;

/** A metric with its data points; exemplars and metric metadata are not decoded. */
export type DecodedMetric =
  | (MetricBase & { type: 'gauge'; dataPoints: NumberDataPoint[] })
  | (MetricBase & {
      type: 'sum';
      isMonotonic: boolean;
      aggregationTemporality: AggregationTemporality;
      dataPoints: NumberDataPoint[];
    })
  | (MetricBase & {
      type: 'histogram';
      aggregationTemporality: AggregationTemporality;
      dataPoints: HistogramDataPoint[];
    })
  | (MetricBase & {
      type: 'exponentialHistogram';
      aggregationTemporality: AggregationTemporality;
      dataPoints: ExponentialHistogramDataPoint[];
    })
  | (MetricBase & { type: 'summary'; dataPoints: SummaryDataPoint[] });
