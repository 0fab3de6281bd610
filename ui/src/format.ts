/** Times and durations as people read them; every input may be null. */

// One formatter for the app: toLocaleString builds a new Intl.DateTimeFormat on every call (slow in lists).
const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return TIME.format(at);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "just now", "12 s ago", "3 min ago", "in 2 h": relative to now, as coarse as a glance needs. */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const diff = Date.parse(iso) - now;
  if (Number.isNaN(diff)) return iso;
  const abs = Math.abs(diff);
  if (abs < 5_000) return diff >= 0 ? 'in a moment' : 'just now';
  const text = abs < 60_000 ? `${Math.round(abs / 1000)} s` : formatDuration(abs).replace(/ \d+ s$/, '');
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

export function between(a: string | null, b: string | null): number | null {
  if (!a || !b) return null;
  return Date.parse(b) - Date.parse(a);
}
