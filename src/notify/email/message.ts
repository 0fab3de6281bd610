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
import { cut, escapeHtml, oneLine } from './escape.ts';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Cut long run text per piece so one huge error cannot make a multi-megabyte mail. */
const MAX_ERROR = 10_000;
const MAX_PARAMS = 5_000;
/** Beyond this many alerts a grouped mail lists the rest as a count. */
const MAX_ALERTS = 100;

/** Subject with state, flow and severity; plain-text and HTML bodies with the same facts. */
export function buildEmail(message: Message, subjectPrefix?: string): EmailContent {
  const alerts = messageAlerts(message);
  const shown = alerts.slice(0, MAX_ALERTS);
  const more = alerts.length - shown.length;
  const prefix = subjectPrefix === undefined || subjectPrefix === '' ? '' : `${subjectPrefix} `;
  const subjectLine = oneLine(`${prefix}[${topSeverity(message)}] ${title(message)}`, 250);
  const moreLine = more > 0 ? `…and ${more} more` : undefined;

  // A single alert's own heading says what the title says: the title is for grouped messages.
  const grouped = alerts.length > 1;
  const text = [
    ...(grouped ? [title(message), ''] : []),
    ...shown.flatMap((a) => [...alertText(a), '']),
    ...(moreLine === undefined ? [] : [moreLine]),
  ].join('\n');

  const color = isAllResolved(message) ? '#2e7d32' : '#c62828';
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    grouped ? `<h2 style="color:${color}">${escapeHtml(title(message))}</h2>` : '',
    ...shown.map((a) => alertHtml(a, grouped ? '#333' : color)),
    moreLine === undefined ? '' : `<p>${escapeHtml(moreLine)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject: subjectLine, text, html };
}

function alertText({ alert, notification, traceUrl }: MessageAlert): string[] {
  const lines = [`${statusWord(alert, notification)}: ${subject(alert)}`, alert.summary, ''];
  for (const fact of alertFacts(alert)) lines.push(`${fact.label}: ${fact.value}`);
  const error = errorText(alert);
  if (error !== undefined) lines.push('', 'Error:', cut(error, MAX_ERROR));
  const params = paramsText(alert);
  if (params !== undefined) lines.push('', 'Parameters:', cut(params, MAX_PARAMS));
  if (traceUrl !== undefined) lines.push('', `Trace: ${traceUrl}`);
  const runbook = alert.annotations.runbook;
  if (runbook !== undefined) lines.push(`Runbook: ${runbook}`);
  lines.push(`Alert id: ${alert.id} (rule ${alert.rule})`);
  return lines;
}

function alertHtml({ alert, notification, traceUrl }: MessageAlert, color: string): string {
  const rows = alertFacts(alert)
    .map((f) => `<tr><th align="left">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const parts = [
    `<h3 style="color:${color}">${escapeHtml(`${statusWord(alert, notification)}: ${subject(alert)}`)}</h3>`,
    `<p><strong>${escapeHtml(alert.summary)}</strong></p>`,
    `<table cellpadding="4">${rows}</table>`,
  ];
  const error = errorText(alert);
  if (error !== undefined) parts.push(`<h4>Error</h4><pre>${escapeHtml(cut(error, MAX_ERROR))}</pre>`);
  const params = paramsText(alert);
  if (params !== undefined)
    parts.push(`<h4>Parameters</h4><pre>${escapeHtml(cut(params, MAX_PARAMS))}</pre>`);
  const links: string[] = [];
  if (traceUrl !== undefined) links.push(`<a href="${escapeHtml(traceUrl)}">View trace</a>`);
  const runbook = runbookUrl(alert);
  if (runbook !== undefined) links.push(`<a href="${escapeHtml(runbook)}">Runbook</a>`);
  else if (alert.annotations.runbook !== undefined)
    links.push(`Runbook: ${escapeHtml(alert.annotations.runbook)}`);
  if (links.length > 0) parts.push(`<p>${links.join(' · ')}</p>`);
  parts.push(
    `<p style="color:#666;font-size:small">Alert id ${escapeHtml(alert.id)} · rule ${escapeHtml(alert.rule)}</p>`,
  );
  return parts.join('\n');
}
