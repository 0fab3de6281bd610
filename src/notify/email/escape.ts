import { cutText } from '../cut.ts';

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Run text inside HTML text or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/** A header must be one line: newlines in run text would otherwise start new headers. */
export function oneLine(text: string, max: number): string {
  return cutText(text.replace(/[\r\n\t]+/g, ' ').trim(), max);
}
