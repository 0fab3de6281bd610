import type { Notification } from '../../alerts/types.ts';
import { cutText } from '../cut.ts';
import { alertFacts, errorText, type MessageAlert, messageAlerts, paramsText, statusWord } from '../facts.ts';
import type { Message } from '../types.ts';

/** A terminal shows what a person reads at a glance: each piece of run text is cut to these. */
export const ConsoleLimits = {
  /** The summary, a fact, an annotation. */
  TEXT: 2_000,
  ERROR: 4_000,
  PARAMS: 2_000,
  /** Alerts listed per notification; the rest are counted. */
  ALERTS: 20,
} as const;
const L = ConsoleLimits;

/**
 * Control characters in run text (ANSI escapes, carriage returns) would repaint the terminal the
 * message is printed on; they are shown as `�`. Newlines and tabs stay.
 */
function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}

/** `Label: value`, or for a multi-line value (parameters) the label alone, then its lines indented. */
function labelled(label: string, value: string, indent: string): string {
  if (!value.includes('\n')) return `${indent}${label}: ${value}`;
  return [`${indent}${label}:`, ...value.split('\n').map((line) => `${indent}  ${line}`)].join('\n');
}

/**
 * The plain-text form of each notification: a heading (`[flowtel] FIRING rule (severity)`), each alert's
 * summary and facts, then one line per `notes` entry (why it was printed rather than sent).
 */
export function consoleText(message: Message, notes: (notification: Notification) => string[]): string {
  const alerts = messageAlerts(message);
  return message.notifications
    .map((notification) => {
      const own = alerts.filter((a) => a.notification === notification);
      const first = own[0];
      const severity = first?.alert.severity ?? 'warning';
      const status =
        first === undefined ? notification.kind.toUpperCase() : statusWord(first.alert, notification);
      const lines = [`[flowtel] ${status} ${notification.rule} (${severity})`];
      for (const item of own.slice(0, L.ALERTS)) lines.push(...alertLines(item));
      if (own.length > L.ALERTS) lines.push(`  …and ${own.length - L.ALERTS} more`);
      for (const note of notes(notification)) lines.push(`  ${note}`);
      return plain(lines.join('\n'));
    })
    .join('\n');
}

function alertLines({ alert, traceUrl }: MessageAlert): string[] {
  const pad = '    ';
  const line = (label: string, value: string, max: number) => labelled(label, cutText(value, max), pad);
  const lines = [`  ${cutText(alert.summary, L.TEXT)}`];
  for (const fact of alertFacts(alert)) {
    // The heading names the severity already.
    if (fact.label !== 'Severity') lines.push(line(fact.label, fact.value, L.TEXT));
  }
  const error = errorText(alert);
  if (error !== undefined) lines.push(line('Error', error, L.ERROR));
  const params = paramsText(alert);
  if (params !== undefined) lines.push(line('Parameters', params, L.PARAMS));
  for (const [key, value] of Object.entries(alert.annotations)) {
    if (key !== 'summary') lines.push(line(key, value, L.TEXT));
  }
  if (traceUrl !== undefined) lines.push(`${pad}Trace: ${traceUrl}`);
  else if (alert.facts.traceId !== undefined) lines.push(`${pad}Trace id: ${alert.facts.traceId}`);
  lines.push(`${pad}Alert id: ${alert.id}`);
  return lines;
}
