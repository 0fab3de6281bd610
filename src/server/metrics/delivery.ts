import type { DeliveryMetrics } from '../../notify/metrics.ts';
import type { ServeMetrics } from './serve-metrics.ts';

/**
 * Delivery's outcome counter (`DeliveryMetrics`, the OTel `flowtel.alert.notifications`) that also
 * counts each outcome in serve's `/metrics`: serve passes this where delivery takes its metrics, so
 * both see the same outcomes without delivery knowing about Prometheus.
 */
export function countDeliveriesIn(
  serve: Pick<ServeMetrics, 'notification'>,
  next: DeliveryMetrics,
): DeliveryMetrics {
  return {
    count(outcome, channel, rule) {
      next.count(outcome, channel, rule);
      serve.notification(channel, rule, outcome);
    },
  };
}
