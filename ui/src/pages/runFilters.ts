import type { RunSummary } from '../api/types.ts';

export const FILTER_NAMES = ['flow', 'state', 'tag', 'q', 'since', 'until'] as const;
export type Filters = Record<(typeof FILTER_NAMES)[number], string>;

export function readFilters(search: string): Filters {
  const params = new URLSearchParams(search);
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, params.get(name) ?? ''])) as Filters;
}

export function filtersSearch(filters: Filters): string {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (filters[name]) params.set(name, filters[name]);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** datetime-local values are local times: the API gets them as ISO instants. */
export function toInstant(value: string): string {
  if (!value) return '';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

/** The API query of the filters (since/until as instants). */
export function apiFilters(filters: Filters): Record<string, string> {
  return { ...filters, since: toInstant(filters.since), until: toInstant(filters.until) };
}

/** Whether a run that the event stream announces belongs on a page listing these filters. */
export function matches(run: RunSummary, filters: Filters): boolean {
  if (filters.flow && run.flow !== filters.flow) return false;
  if (filters.state) {
    const s = filters.state.toLowerCase();
    if (run.state.type.toLowerCase() !== s && run.state.name.toLowerCase() !== s) return false;
  }
  if (filters.tag && !run.tags.includes(filters.tag)) return false;
  if (filters.q) {
    const text =
      `${run.error?.type ?? ''} ${run.error?.message ?? ''} ${run.state.message ?? ''}`.toLowerCase();
    if (!text.includes(filters.q.toLowerCase())) return false;
  }
  const at = Date.parse(run.startedAt ?? run.scheduledAt ?? run.state.at);
  if (filters.since && at < Date.parse(toInstant(filters.since))) return false;
  if (filters.until && at >= Date.parse(toInstant(filters.until))) return false;
  return true;
}
