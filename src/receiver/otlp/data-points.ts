/** The data point kinds of OTLP metrics, each read into its plain shape. */
import type {
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  NumberDataPoint,
  SummaryDataPoint,
} from './types.ts';
import { attributes } from './values.ts';
import { count, double, int32, int64, isSet, list, object, uint64, type WireObject } from './wire.ts';

function base(point: WireObject, path: string) {
  return {
    attributes: attributes(point.attributes, `${path}.attributes`),
    startTimeUnixNano: uint64(point.startTimeUnixNano, `${path}.startTimeUnixNano`),
    timeUnixNano: uint64(point.timeUnixNano, `${path}.timeUnixNano`),
    flags: int32(point.flags, `${path}.flags`),
  };
}

/** `optional double` fields (sum, min, max): absent stays absent, unlike proto3 plain scalars. */
function optionalDoubles(point: WireObject, path: string, keys: readonly ('sum' | 'min' | 'max')[]) {
  const result: { sum?: number; min?: number; max?: number } = {};
  for (const key of keys) {
    if (isSet(point[key])) result[key] = double(point[key], `${path}.${key}`);
  }
  return result;
}

export function numberPoint(value: unknown, path: string): NumberDataPoint {
  const point = object(value, path);
  return {
    ...base(point, path),
    value: isSet(point.asInt)
      ? int64(point.asInt, `${path}.asInt`)
      : double(point.asDouble, `${path}.asDouble`),
  };
}

export function histogramPoint(value: unknown, path: string): HistogramDataPoint {
  const point = object(value, path);
  return {
    ...base(point, path),
    count: count(point.count, `${path}.count`),
    ...optionalDoubles(point, path, ['sum', 'min', 'max']),
    bucketCounts: list(point.bucketCounts, `${path}.bucketCounts`).map((n, i) =>
      count(n, `${path}.bucketCounts[${i}]`),
    ),
    explicitBounds: list(point.explicitBounds, `${path}.explicitBounds`).map((n, i) =>
      double(n, `${path}.explicitBounds[${i}]`),
    ),
  };
}

function buckets(value: unknown, path: string): ExponentialBuckets {
  const bucketsObject = object(value, path);
  return {
    offset: int32(bucketsObject.offset, `${path}.offset`),
    bucketCounts: list(bucketsObject.bucketCounts, `${path}.bucketCounts`).map((n, i) =>
      count(n, `${path}.bucketCounts[${i}]`),
    ),
  };
}

export function exponentialHistogramPoint(value: unknown, path: string): ExponentialHistogramDataPoint {
  const point = object(value, path);
  return {
    ...base(point, path),
    count: count(point.count, `${path}.count`),
    ...optionalDoubles(point, path, ['sum', 'min', 'max']),
    scale: int32(point.scale, `${path}.scale`),
    zeroCount: count(point.zeroCount, `${path}.zeroCount`),
    zeroThreshold: double(point.zeroThreshold, `${path}.zeroThreshold`),
    positive: buckets(point.positive, `${path}.positive`),
    negative: buckets(point.negative, `${path}.negative`),
  };
}

export function summaryPoint(value: unknown, path: string): SummaryDataPoint {
  const point = object(value, path);
  return {
    ...base(point, path),
    count: count(point.count, `${path}.count`),
    sum: double(point.sum, `${path}.sum`),
    quantileValues: list(point.quantileValues, `${path}.quantileValues`).map((entry, i) => {
      const quantile = object(entry, `${path}.quantileValues[${i}]`);
      return {
        quantile: double(quantile.quantile, `${path}.quantileValues[${i}].quantile`),
        value: double(quantile.value, `${path}.quantileValues[${i}].value`),
      };
    }),
  };
}
