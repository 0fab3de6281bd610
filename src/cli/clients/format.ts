import { humanDuration } from '../../duration.ts';

/**
 * How the clients show what serve answers: aligned columns, times in the local zone with how long ago
 * (or how soon) they are, durations for people.
 */

/** Columns padded to their widest cell, two spaces apart; the header as given. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** `2026-11-25 03:10:04 (5m 3s ago)`, local time; '-' for none. */
export function when(iso: string | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return '-';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  return `${localTime(at)} (${relative(at, now)})`;
}

export function localTime(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function relative(at: number, now: number): string {
  const ms = now - at;
  if (Math.abs(ms) < 1_000) return 'now';
  return ms > 0 ? `${humanDuration(ms)} ago` : `in ${humanDuration(-ms)}`;
}

export function duration(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : humanDuration(ms);
}
