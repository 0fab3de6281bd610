/**
 * Slack treats `&`, `<` and `>` as control characters in every text object (`<!channel>`, `<@U123>`,
 * `<url|text>`): run text must arrive as text, so those three become entities, and only those three
 * (Slack decodes nothing else). Limits count the escaped text, so escaping and cutting go together.
 */

import { cutEscaped } from '../cut.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** Escapes `text` and cuts it so the result, the cut marker included, is at most `max` characters. */
export function escapeAndCut(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  return escaped.length <= max ? escaped : cutEscaped(text, max, (char) => ENTITIES[char] ?? char);
}

/** A code block whose content cannot close it early; at most `max` characters in all. */
export function codeBlock(text: string, max: number): string {
  // A "```" inside run text would end the block and let the rest be parsed as mrkdwn.
  const defused = text.replace(/```/g, '`\u200b`\u200b`');
  return `\`\`\`${escapeAndCut(defused, max - 6)}\`\`\``;
}

/** Slack's limits on Block Kit, in characters (or blocks). */
export const SlackLimits = {
  BLOCKS: 50,
  HEADER: 150,
  SECTION_TEXT: 3000,
  FIELD: 2000,
  FIELDS: 10,
  BUTTON_TEXT: 75,
  URL: 3000,
  CONTEXT_TEXT: 2000,
  /** Slack truncates `text` beyond 40,000; keep the fallback short, it shows in notifications. */
  FALLBACK_TEXT: 3000,
} as const;
