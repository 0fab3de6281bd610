import { metrics } from '@opentelemetry/api';
import { Attr, Metric, SCOPE_NAME } from '../telemetry/keys.ts';

export type DeliveryOutcome = 'sent' | 'failed' | 'dropped';

export interface DeliveryMetrics {
  count(outcome: DeliveryOutcome, channel: string, rule: string): void;
}

/**
 * `flowtel.alert.notifications`, one count per notification × channel when its fate is known.
 * Called when delivery starts, not at import: the metrics API has no proxy, so a meter taken before
 * the application starts its SDK would stay a no-op.
 */
export function deliveryMetrics(): DeliveryMetrics {
  const counter = metrics.getMeter(SCOPE_NAME).createCounter(Metric.ALERT_NOTIFICATIONS, {
    description: 'Alert notifications by channel, rule and outcome (sent, failed after retries, dropped)',
    unit: '{notification}',
  });
  return {
    count: (outcome, channel, rule) =>
      counter.add(1, { [Attr.CHANNEL]: channel, [Attr.RULE]: rule, [Attr.OUTCOME]: outcome }),
  };
}
