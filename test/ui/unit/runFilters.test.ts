import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../ui/src/api/types.ts';
import { apiFilters, filtersSearch, matches, readFilters } from '../../../ui/src/pages/runFilters.ts';

/** The /runs filters live in the URL under the contract's names: flow, state, tag, q, since, until. */

const none = { flow: '', state: '', tag: '', q: '', since: '', until: '' };

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  id: 'r1',
  flow: 'etl',
  state: { type: 'FAILED', name: 'Failed', at: '2026-12-01T10:00:05.000Z' },
  scheduledAt: null,
  startedAt: '2026-12-01T10:00:00.000Z',
  endedAt: '2026-12-01T10:00:05.000Z',
  durationMs: 5000,
  traceId: null,
  traceUrl: null,
  source: 'api',
  tags: ['nightly'],
  error: { type: 'HttpError', message: 'warehouse answered 503' },
  ...over,
});

describe('the filters and the URL query', () => {
  it('round-trip: what the URL says is what the fields get, and back', () => {
    const filters = { ...none, flow: 'etl', state: 'Failed', q: 'ware house' };
    const search = filtersSearch(filters);
    expect(search).toBe('?flow=etl&state=Failed&q=ware+house');
    expect(readFilters(search)).toEqual(filters);
  });

  it('leave empty filters out of the URL, and read missing ones as empty', () => {
    expect(filtersSearch(none)).toBe('');
    expect(readFilters('')).toEqual(none);
    expect(readFilters('?tag=nightly&other=1')).toEqual({ ...none, tag: 'nightly' });
  });

  it('send since and until to the API as instants', () => {
    const api = apiFilters({ ...none, since: '2026-12-01T10:00:00Z', until: 'not a time' });
    expect(api.since).toBe('2026-12-01T10:00:00.000Z');
    expect(api.until).toBe('not a time');
  });
});

describe('a run announced live', () => {
  it('joins the list only when it matches every filter', () => {
    expect(matches(run(), none)).toBe(true);
    expect(matches(run(), { ...none, flow: 'etl', state: 'failed', tag: 'nightly', q: 'WAREHOUSE' })).toBe(
      true,
    );
    expect(matches(run(), { ...none, state: 'FAILED' })).toBe(true);
    expect(matches(run(), { ...none, flow: 'other' })).toBe(false);
    expect(matches(run(), { ...none, tag: 'night' })).toBe(false);
    expect(matches(run(), { ...none, q: 'timeout' })).toBe(false);
  });

  it('is in the window from since (inclusive) to until (exclusive)', () => {
    expect(matches(run(), { ...none, since: '2026-12-01T10:00:00Z' })).toBe(true);
    expect(matches(run(), { ...none, until: '2026-12-01T10:00:00Z' })).toBe(false);
  });
});
