import type { Alert, AlertFacts } from '../../alerts/types.ts';
import { messageAlerts } from '../facts.ts';
import type { Message } from '../types.ts';

/**
 * flowtel's own webhook body, version 1 (documented in PAYLOAD.md). Additive changes keep the version;
 * anything a receiver could trip over (a renamed or removed field, a changed meaning) bumps it.
 */
export const WEBHOOK_PAYLOAD_VERSION = '1';

export interface WebhookPayloadV1 {
  readonly version: '1';
  /** The channel's name in the rules. */
  readonly receiver: string;
  /** `resolved` when every alert in it is resolved, else `firing`. */
  readonly status: 'firing' | 'resolved';
  readonly notifications: readonly WebhookNotification[];
}

export interface WebhookNotification {
  readonly id: string;
  readonly rule: string;
  readonly kind: 'firing' | 'repeat' | 'resolved';
  readonly createdAt: string;
  readonly alerts: readonly WebhookAlert[];
}

export interface WebhookAlert {
  readonly id: string;
  readonly fingerprint: string;
  readonly rule: string;
  readonly status: 'firing' | 'resolved';
  readonly severity: Alert['severity'];
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly traceUrl: string | null;
  readonly facts: AlertFacts;
}

export function buildWebhookPayload(message: Message): WebhookPayloadV1 {
  const alerts = messageAlerts(message);
  const urls = new Map(alerts.map((a) => [a.alert, a.traceUrl ?? null]));
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    receiver: message.channel,
    status: alerts.every((a) => a.alert.status === 'resolved') ? 'resolved' : 'firing',
    notifications: message.notifications.map((n) => ({
      id: n.id,
      rule: n.rule,
      kind: n.kind,
      createdAt: n.createdAt,
      alerts: n.alerts.map((a) => ({
        id: a.id,
        fingerprint: a.fingerprint,
        rule: a.rule,
        status: a.status,
        severity: a.severity,
        summary: a.summary,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt,
        endsAt: a.endsAt ?? null,
        traceUrl: urls.get(a) ?? null,
        facts: a.facts,
      })),
    })),
  };
}
