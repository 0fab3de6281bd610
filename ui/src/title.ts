import { effect, signal } from '@preact/signals';
import type { StateName } from './api/types.ts';
import { STATE_ICON } from './states.ts';

/** What the current page says about itself: its name and the worst state it shows. */
export const pageTitle = signal('flowtel');
export const pageWorst = signal<StateName | null>(null);

const FAVICON_COLOUR: Record<StateName, string> = {
  Scheduled: '#6b7280',
  Late: '#b45309',
  AwaitingRetry: '#b45309',
  Pending: '#6b7280',
  Running: '#2563eb',
  Retrying: '#b45309',
  Completed: '#15803d',
  Failed: '#dc2626',
  TimedOut: '#dc2626',
  Cancelled: '#6b7280',
  Crashed: '#7f1d1d',
};

/** An inline SVG favicon per worst state (img-src allows data: URLs; nothing else is inlined). */
function favicon(worst: StateName | null): string {
  const colour = worst ? FAVICON_COLOUR[worst] : '#6b7280';
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
    `<circle cx="16" cy="16" r="14" fill="${colour}"/>` +
    (worst === 'Failed' || worst === 'Crashed' || worst === 'TimedOut'
      ? `<path d="M10 10 L22 22 M22 10 L10 22" stroke="#fff" stroke-width="4" stroke-linecap="round"/>`
      : worst === 'Completed'
        ? `<path d="M9 16 L14 21 L23 11" stroke="#fff" stroke-width="4" fill="none" stroke-linecap="round"/>`
        : `<circle cx="16" cy="16" r="5" fill="#fff"/>`) +
    `</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export function startTitle(): void {
  effect(() => {
    const worst = pageWorst.value;
    document.title = `${worst ? STATE_ICON[worst] : '·'} ${pageTitle.value} · flowtel`;
    const link = document.getElementById('favicon');
    if (link instanceof HTMLLinkElement) link.href = favicon(worst);
  });
}
