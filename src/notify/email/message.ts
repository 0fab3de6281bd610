import { cutText } from '../cut.ts';
import {
  alertFacts,
  errorText,
  isAllResolved,
  type MessageAlert,
  messageAlerts,
  paramsText,
  runbookUrl,
  statusWord,
  subject,
  title,
  topSeverity,
} from '../facts.ts';
import type { Message } from '../types.ts';
import { escapeHtml, oneLine } from './escape.ts';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/**
 * Limits of an email, in characters. Mail servers refuse messages past a size (often 10 to 25 MB, and
 * a 552 then fails the whole group), and mail clients choke well before: every piece of run text is cut,
 * and each body stops adding alerts at `BODY`, listing the rest as a count.
 */
export const EmailLimits = {
  SUBJECT: 250,
  SUMMARY: 1_000,
  /** A fact (flow, run id, labels, ...) or an annotation. */
  FACT: 1_000,
  ERROR: 10_000,
  PARAMS: 5_000,
  /** Alerts listed in one email; the rest are counted. */
  ALERTS: 100,
  /** Characters of each body (text, HTML) before the remaining alerts are only counted. */
  BODY: 500_000,
} as const;
const L = EmailLimits;

/** Subject with state, flow and severity; plain-text and HTML bodies with the same facts. */
export function buildEmail(message: Message, subjectPrefix?: string): EmailContent {
  const alerts = messageAlerts(message);
  const prefix = subjectPrefix === undefined || subjectPrefix === '' ? '' : `${subjectPrefix} `;
  const subjectLine = oneLine(`${prefix}[${topSeverity(message)}] ${title(message)}`, L.SUBJECT);

  // A single alert's own heading says what the title says: the title is for grouped messages.
  const grouped = alerts.length > 1;
  const color = isAllResolved(message) ? '#2e7d32' : '#c62828';
  const textHead = grouped ? [cutText(title(message), L.SUBJECT), ''].join('\n') : '';
  const htmlHead = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    grouped ? `<h2 style="color:${color}">${escapeHtml(cutText(title(message), L.SUBJECT))}</h2>` : '',
  ].join('\n');
  const shown: { text: string; html: string }[] = [];
  let textSize = textHead.length;
  let htmlSize = htmlHead.length;
  for (const item of alerts.slice(0, L.ALERTS)) {
    const text = [...alertText(item), ''].join('\n');
    const html = alertHtml(item, grouped ? '#333' : color);
    // The first alert always fits: its pieces are cut to limits far below BODY.
    if (shown.length > 0 && (textSize + text.length > L.BODY || htmlSize + html.length > L.BODY)) break;
    shown.push({ text, html });
    textSize += text.length;
    htmlSize += html.length;
  }
  const more = alerts.length - shown.length;
  const moreLine = more > 0 ? `…and ${more} more` : undefined;
  const text = [
    ...(grouped ? [textHead] : []),
    ...shown.map((a) => a.text),
    ...(moreLine === undefined ? [] : [moreLine]),
  ].join('\n');
  const html = [
    htmlHead,
    ...shown.map((a) => a.html),
    moreLine === undefined ? '' : `<p>${escapeHtml(moreLine)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject: subjectLine, text, html };
}

/** The run text of one alert, each piece cut to its limit, before either body escapes it. */
function pieces({ alert, notification, traceUrl }: MessageAlert) {
  const error = errorText(alert);
  const params = paramsText(alert);
  const runbook = alert.annotations.runbook;
  return {
    heading: cutText(`${statusWord(alert, notification)}: ${subject(alert)}`, L.FACT),
    summary: cutText(alert.summary, L.SUMMARY),
    facts: alertFacts(alert).map((f) => ({ label: f.label, value: cutText(f.value, L.FACT) })),
    error: error === undefined ? undefined : cutText(error, L.ERROR),
    params: params === undefined ? undefined : cutText(params, L.PARAMS),
    traceUrl,
    runbook: runbook === undefined ? undefined : cutText(runbook, L.FACT),
    runbookUrl: runbookUrl(alert),
    id: `${alert.id} (rule ${alert.rule})`,
  };
}

function alertText(item: MessageAlert): string[] {
  const p = pieces(item);
  const lines = [p.heading, p.summary, ''];
  for (const fact of p.facts) lines.push(`${fact.label}: ${fact.value}`);
  if (p.error !== undefined) lines.push('', 'Error:', p.error);
  if (p.params !== undefined) lines.push('', 'Parameters:', p.params);
  if (p.traceUrl !== undefined) lines.push('', `Trace: ${p.traceUrl}`);
  if (p.runbook !== undefined) lines.push(`Runbook: ${p.runbook}`);
  lines.push(`Alert id: ${p.id}`);
  return lines;
}

function alertHtml(item: MessageAlert, color: string): string {
  const p = pieces(item);
  const rows = p.facts
    .map((f) => `<tr><th align="left">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const parts = [
    `<h3 style="color:${color}">${escapeHtml(p.heading)}</h3>`,
    `<p><strong>${escapeHtml(p.summary)}</strong></p>`,
    `<table cellpadding="4">${rows}</table>`,
  ];
  if (p.error !== undefined) parts.push(`<h4>Error</h4><pre>${escapeHtml(p.error)}</pre>`);
  if (p.params !== undefined) parts.push(`<h4>Parameters</h4><pre>${escapeHtml(p.params)}</pre>`);
  const links: string[] = [];
  if (p.traceUrl !== undefined) links.push(`<a href="${escapeHtml(p.traceUrl)}">View trace</a>`);
  if (p.runbookUrl !== undefined) links.push(`<a href="${escapeHtml(p.runbookUrl)}">Runbook</a>`);
  else if (p.runbook !== undefined) links.push(`Runbook: ${escapeHtml(p.runbook)}`);
  if (links.length > 0) parts.push(`<p>${links.join(' · ')}</p>`);
  parts.push(`<p style="color:#666;font-size:small">Alert id ${escapeHtml(p.id)}</p>`);
  return parts.join('\n');
}
