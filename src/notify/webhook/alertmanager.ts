import type { Alert } from '../../alerts/types.ts';
import { type MessageAlert, messageAlerts } from '../facts.ts';
import type { Message } from '../types.ts';

/**
 * Alertmanager's webhook body (`webhook_config`, payload version "4"), so receivers written for
 * Alertmanager (and tools fed by it) work unchanged. Labels get `alertname` (the rule) and `severity`
 * as Prometheus alerts carry them; annotations get `summary` and, when known, `trace_url`.
 */
export interface AlertmanagerPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Record<string, string>;
  readonly commonLabels: Record<string, string>;
  readonly commonAnnotations: Record<string, string>;
  readonly externalURL: string;
  readonly alerts: readonly AlertmanagerAlert[];
}

export interface AlertmanagerAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  /** Alertmanager's zero time for alerts that have not ended. */
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function buildAlertmanagerPayload(message: Message, externalURL = ''): AlertmanagerPayload {
  const alerts = messageAlerts(message).map(toAlertmanagerAlert);
  const rules = [...new Set(message.notifications.map((n) => n.rule))].sort();
  const groupLabels: Record<string, string> =
    rules.length === 1 && rules[0] !== undefined ? { alertname: rules[0] } : {};
  return {
    version: '4',
    groupKey: `{}:{${Object.entries(groupLabels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ')}}`,
    truncatedAlerts: 0,
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: message.channel,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts,
  };
}

function toAlertmanagerAlert({ alert, traceUrl }: MessageAlert): AlertmanagerAlert {
  const annotations: Record<string, string> = { summary: alert.summary, ...alert.annotations };
  if (traceUrl !== undefined) annotations.trace_url = traceUrl;
  if (alert.facts.error !== undefined)
    annotations.description ??= `${alert.facts.error.type}: ${alert.facts.error.message}`;
  return {
    status: alert.status,
    labels: labelsOf(alert),
    annotations,
    startsAt: alert.startsAt,
    endsAt: alert.status === 'resolved' ? (alert.endsAt ?? alert.startsAt) : ZERO_TIME,
    generatorURL: traceUrl ?? '',
    fingerprint: alert.fingerprint,
  };
}

function labelsOf(alert: Alert): Record<string, string> {
  return { alertname: alert.rule, severity: alert.severity, ...alert.labels };
}

/** The key/value pairs every record shares (Alertmanager's commonLabels/commonAnnotations). */
function common(records: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = records;
  if (first === undefined) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((r) => r[k] === v)));
}
