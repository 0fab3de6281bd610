const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Run text inside HTML text or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/** Mail clients and SMTP servers cope badly with huge bodies: each piece of run text is cut first. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A header must be one line: newlines in run text would otherwise start new headers. */
export function oneLine(text: string, max = 200): string {
  return cut(text.replace(/[\r\n\t]+/g, ' ').trim(), max);
}
