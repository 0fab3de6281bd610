import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Installs a global meter provider and reads `flowtel.alert.notifications` points as "channel/rule/outcome" → count. */
export function captureNotificationMetric(): {
  read(): Promise<Record<string, number>>;
  stop(): Promise<void>;
} {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  return {
    read: async () => {
      const { resourceMetrics } = await reader.collect();
      const out: Record<string, number> = {};
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== 'flowtel.alert.notifications') continue;
          for (const point of metric.dataPoints) {
            const a = point.attributes;
            out[`${a['flowtel.channel']}/${a['flowtel.rule']}/${a['flowtel.outcome']}`] =
              point.value as number;
          }
        }
      }
      return out;
    },
    stop: async () => {
      metrics.disable();
      await provider.shutdown();
    },
  };
}
