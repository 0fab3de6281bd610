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
} from '../facts.ts';
import type { Message } from '../types.ts';
import { codeBlock, escapeAndCut, SlackLimits as L } from './escape.ts';

/** The subset of Block Kit flowtel sends (kept local: nothing outside `notify/slack` knows it). */
export type Text = { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };
export type Button = { type: 'button'; text: Text; url: string; action_id: string };
export type Block =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[]; accessory?: Button }
  | { type: 'actions'; elements: Button[] }
  | { type: 'context'; elements: Text[] }
  | { type: 'divider' };

export interface SlackPayload {
  text: string;
  blocks: Block[];
}

const mrkdwn = (text: string): Text => ({ type: 'mrkdwn', text });

/** Builds the Block Kit message for one notification, or a grouped one listing every alert. */
export function buildSlackMessage(message: Message): SlackPayload {
  const alerts = messageAlerts(message);
  const icon = isAllResolved(message) ? '✅' : '🔴';
  const header: Block = {
    type: 'header',
    text: { type: 'plain_text', text: escapeAndCut(`${icon} ${title(message)}`, L.HEADER), emoji: true },
  };
  const body =
    alerts.length === 1 && alerts[0] !== undefined ? singleAlert(alerts[0]) : groupedAlerts(alerts);
  return { text: fallbackText(message, alerts), blocks: [header, ...body] };
}

function singleAlert(item: MessageAlert): Block[] {
  const { alert } = item;
  const blocks: Block[] = [
    { type: 'section', text: mrkdwn(`*${escapeAndCut(alert.summary, L.SECTION_TEXT - 2)}*`) },
  ];
  const fields = alertFacts(alert)
    .slice(0, L.FIELDS)
    .map((f) => mrkdwn(`*${f.label}*\n${escapeAndCut(f.value, L.FIELD - f.label.length - 3)}`));
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  const error = errorText(alert);
  if (error !== undefined)
    blocks.push({ type: 'section', text: mrkdwn(`*Error*\n${codeBlock(error, L.SECTION_TEXT - 10)}`) });
  const params = paramsText(alert);
  if (params !== undefined) {
    blocks.push({ type: 'section', text: mrkdwn(`*Parameters*\n${codeBlock(params, L.SECTION_TEXT - 15)}`) });
  }
  const buttons = linkButtons(item, 0);
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({ type: 'context', elements: [mrkdwn(idLine(item))] });
  return blocks;
}

/** One section (and its alert id) per alert, within the 50-block limit, then "…and N more". */
function groupedAlerts(alerts: MessageAlert[]): Block[] {
  const perAlert = 2;
  const room = L.BLOCKS - 1; // the header
  const fit = alerts.length * perAlert <= room ? alerts.length : Math.floor((room - 1) / perAlert);
  const blocks: Block[] = [];
  for (const [index, item] of alerts.slice(0, fit).entries()) {
    const { alert, notification } = item;
    const facts = alertFacts(alert)
      .filter((f) => f.label !== 'Labels')
      .map((f) => `${f.label}: ${f.value}`)
      .join(' · ');
    const error = errorText(alert);
    const raw = [`${statusWord(alert, notification)}: ${subject(alert)}`, alert.summary, facts, error ?? ''];
    const [head = '', ...rest] = raw.filter((line) => line !== '');
    const text = `*${escapeAndCut(head, 300)}*\n${escapeAndCut(rest.join('\n'), L.SECTION_TEXT - 310)}`;
    const [trace] = linkButtons(item, index);
    blocks.push(
      trace === undefined
        ? { type: 'section', text: mrkdwn(text) }
        : { type: 'section', text: mrkdwn(text), accessory: trace },
    );
    blocks.push({ type: 'context', elements: [mrkdwn(idLine(item))] });
  }
  if (fit < alerts.length) blocks.push({ type: 'section', text: mrkdwn(`…and ${alerts.length - fit} more`) });
  return blocks;
}

/** `action_id`s must be unique within a message; alert ids may be long, so the index is used. */
function linkButtons({ alert, traceUrl }: MessageAlert, index: number): Button[] {
  const buttons: Button[] = [];
  if (traceUrl !== undefined && traceUrl.length <= L.URL) {
    buttons.push({
      type: 'button',
      text: { type: 'plain_text', text: 'View trace' },
      url: traceUrl,
      action_id: `trace-${index}`,
    });
  }
  const runbook = runbookUrl(alert);
  if (runbook !== undefined && runbook.length <= L.URL) {
    buttons.push({
      type: 'button',
      text: { type: 'plain_text', text: 'Runbook' },
      url: runbook,
      action_id: `runbook-${index}`,
    });
  }
  return buttons;
}

/** The alert id lets a human tell a rare duplicate (a crash between sending and marking) from a new alert. */
function idLine({ alert }: MessageAlert): string {
  const runbook = alert.annotations.runbook;
  const plainRunbook =
    runbook !== undefined && runbookUrl(alert) === undefined ? ` · runbook: ${runbook}` : '';
  return escapeAndCut(`alert ${alert.id} · rule ${alert.rule}${plainRunbook}`, L.CONTEXT_TEXT);
}

/** Shown in notifications and by clients that cannot render blocks. */
function fallbackText(message: Message, alerts: MessageAlert[]): string {
  const lines = [title(message), ...alerts.slice(0, 10).map(({ alert }) => alert.summary)];
  if (alerts.length > 10) lines.push(`…and ${alerts.length - 10} more`);
  return escapeAndCut(lines.join('\n'), L.FALLBACK_TEXT);
}
