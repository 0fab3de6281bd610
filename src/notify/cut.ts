/**
 * Cutting run text to a receiver's limits. A cut text says so, and how much it lost
 * (`… [cut, 5999950 more characters]`), so a reader knows the error went on and is never misled into
 * taking the rest for the whole. Each channel defines its limits once, next to its message builder.
 */

/** Below this many characters the marker would crowd out the text: a bare `…` marks the cut. */
const MIN_FOR_MARKER = 60;

/** What ends a text cut `left` characters short. */
export function cutMarker(left: number): string {
  return `… [cut, ${left} more characters]`;
}

/** `text` at most `max` characters, marker included. */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : cutEscaped(text, max, (char) => char);
}

/**
 * `text` escaped piece by piece (`escapeChar` maps one character to its escaped form) and cut so the result,
 * marker included, is at most `max` characters: an entity such as `&amp;` is never split, and the limit
 * counts what the receiver counts, the escaped text.
 */
export function cutEscaped(text: string, max: number, escapeChar: (char: string) => string): string {
  const marker = (left: number) => (max < MIN_FOR_MARKER ? '…' : cutMarker(left));
  // The longest marker this cut can need: its count is at most text.length.
  const room = max - marker(text.length).length;
  let out = '';
  let consumed = 0;
  for (const char of text) {
    const piece = escapeChar(char);
    if (out.length + piece.length > room) break;
    out += piece;
    consumed += char.length;
  }
  if (consumed === text.length) return out;
  return `${out}${marker(text.length - consumed)}`;
}
