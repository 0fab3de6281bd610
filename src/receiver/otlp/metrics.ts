/** ExportMetricsServiceRequest → DecodedMetric[]. */
import { exponentialHistogramPoint, histogramPoint, numberPoint, summaryPoint } from './data-points.ts';
import { enumValues } from './schema.ts';
import type { DecodedMetric } from './types.ts';
import { type ItemContext, mapScopedItems } from './values.ts';
import { boolean, enumeration, isSet, list, object, string, type WireObject } from './wire.ts';

function points<T>(data: WireObject, path: string, read: (value: unknown, path: string) => T): T[] {
  return list(data.dataPoints, `${path}.dataPoints`).map((point, i) =>
    read(point, `${path}.dataPoints[${i}]`),
  );
}

/** A metric whose `data` oneof is unset carries no points, and is skipped. */
export function metricsOf(request: unknown): DecodedMetric[] {
  const temporalities = enumValues('opentelemetry.proto.metrics.v1.AggregationTemporality');
  const temporality = (data: WireObject, path: string) =>
    enumeration(data.aggregationTemporality, `${path}.aggregationTemporality`, temporalities);

  return mapScopedItems(
    request,
    { resource: 'resourceMetrics', scope: 'scopeMetrics', item: 'metrics' },
    (metric, { path, resource, scope }: ItemContext): DecodedMetric | undefined => {
      const common = {
        name: string(metric.name, `${path}.name`),
        description: string(metric.description, `${path}.description`),
        unit: string(metric.unit, `${path}.unit`),
        resource,
        scope,
      };
      if (isSet(metric.gauge)) {
        const data = object(metric.gauge, `${path}.gauge`);
        return { ...common, type: 'gauge', dataPoints: points(data, `${path}.gauge`, numberPoint) };
      }
      if (isSet(metric.sum)) {
        const at = `${path}.sum`;
        const data = object(metric.sum, at);
        return {
          ...common,
          type: 'sum',
          isMonotonic: boolean(data.isMonotonic, `${at}.isMonotonic`),
          aggregationTemporality: temporality(data, at),
          dataPoints: points(data, at, numberPoint),
        };
      }
      if (isSet(metric.histogram)) {
        const at = `${path}.histogram`;
        const data = object(metric.histogram, at);
        return {
          ...common,
          type: 'histogram',
          aggregationTemporality: temporality(data, at),
          dataPoints: points(data, at, histogramPoint),
        };
      }
      if (isSet(metric.exponentialHistogram)) {
        const at = `${path}.exponentialHistogram`;
        const data = object(metric.exponentialHistogram, at);
        return {
          ...common,
          type: 'exponentialHistogram',
          aggregationTemporality: temporality(data, at),
          dataPoints: points(data, at, exponentialHistogramPoint),
        };
      }
      if (isSet(metric.summary)) {
        const data = object(metric.summary, `${path}.summary`);
        return { ...common, type: 'summary', dataPoints: points(data, `${path}.summary`, summaryPoint) };
      }
      return undefined;
    },
  );
}
