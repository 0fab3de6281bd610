import { isHttpUrl } from '../alerts/channel-urls.ts';
import { traceUrl } from '../alerts/trace-link.ts';
import type { Alert, Notification } from '../alerts/types.ts';
import { humanDuration } from '../duration.ts';
import type { Message } from './types.ts';

/**
 * The facts every receiver shows, as plain (unescaped) text: each adapter escapes them for its own
 * format (Slack mrkdwn, HTML) and cuts them to its own limits.
 */

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** One alert as it appears in a message, with the notification it came in. */
export interface MessageAlert {
  readonly alert: Alert;
  readonly notification: Notification;
  readonly traceUrl?: string;
}

export function messageAlerts(message: Message): MessageAlert[] {
  return message.notifications.flatMap((notification) =>
    notification.alerts.map((alert) => {
      const url = traceUrl(notification.traceUrlTemplate, alert.facts.traceId);
      return url === undefined ? { alert, notification } : { alert, notification, traceUrl: url };
    }),
  );
}

/** `FIRING`, `STILL FIRING` (a repeat) or `RESOLVED`. */
export function statusWord(alert: Alert, notification: Notification): string {
  if (alert.status === 'resolved') return 'RESOLVED';
  return notification.kind === 'repeat' ? 'STILL FIRING' : 'FIRING';
}

/** "nightly-orders Failed": what the alert is about, in a few words. */
export function subject(alert: Alert): string {
  const what = alert.facts.flow ?? alert.labels.flow ?? alert.rule;
  const state = alert.facts.state?.name;
  return state === undefined ? what : `${what} ${state}`;
}

/** The title of a message: one alert's status and subject, or a count for a grouped message. */
export function title(message: Message): string {
  const alerts = messageAlerts(message);
  const first = alerts[0];
  if (first === undefined) return 'flowtel: no alerts';
  if (alerts.length === 1) return `${statusWord(first.alert, first.notification)}: ${subject(first.alert)}`;
  const resolved = alerts.filter((a) => a.alert.status === 'resolved').length;
  const firing = alerts.length - resolved;
  const parts = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter(
    Boolean,
  );
  const rules = [...new Set(alerts.map((a) => a.alert.rule))];
  const about = rules.length === 1 ? rules[0] : `${rules.length} rules`;
  return `${alerts.length} alerts (${parts.join(', ')}): ${about}`;
}

export function isAllResolved(message: Message): boolean {
  return messageAlerts(message).every((a) => a.alert.status === 'resolved');
}

/** The highest severity in the message. */
export function topSeverity(message: Message): string {
  const order = ['info', 'warning', 'critical'];
  const severities = messageAlerts(message).map((a) => order.indexOf(a.alert.severity));
  return order[Math.max(0, ...severities)] ?? 'warning';
}

/** Flow, run id, state, failed task and attempt, start time, duration, severity, labels. */
export function alertFacts(alert: Alert): Fact[] {
  const f = alert.facts;
  const facts: Fact[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') facts.push({ label, value });
  };
  add('Flow', f.flow);
  add('Run id', f.flowRunId);
  add('State', f.state === undefined ? undefined : `${f.state.name} (${f.state.type})`);
  add(
    'Failed task',
    f.task === undefined ? undefined : f.attempt === undefined ? f.task : `${f.task} (attempt ${f.attempt})`,
  );
  add('Started', f.startedAt);
  add('Duration', f.durationMs === undefined ? undefined : humanDuration(f.durationMs));
  add('Severity', alert.severity);
  add('Missed slots', f.missedSlots === undefined ? undefined : String(f.missedSlots));
  add('Scheduled', f.scheduledAt);
  const labels = Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`);
  add('Labels', labels.length === 0 ? undefined : labels.join(', '));
  return facts;
}

/** `TypeError: boom`, or undefined when the alert carries no error. */
export function errorText(alert: Alert): string | undefined {
  const error = alert.facts.error;
  return error === undefined ? undefined : `${error.type}: ${error.message}`;
}

/** Parameters one per line (`key: value`), already redacted at the source. */
export function paramsText(alert: Alert): string | undefined {
  const params = alert.facts.params;
  if (params === undefined || Object.keys(params).length === 0) return undefined;
  return Object.entries(params)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : safeJson(value)}`)
    .join('\n');
}

/** The runbook annotation when it is an http(s) URL (anything else is shown as text, not linked). */
export function runbookUrl(alert: Alert): string | undefined {
  const runbook = alert.annotations.runbook ?? alert.annotations.runbook_url;
  return runbook !== undefined && isHttpUrl(runbook) ? runbook : undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
