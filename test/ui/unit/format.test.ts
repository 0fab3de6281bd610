import { describe, expect, it } from 'vitest';
import { formatDuration, relative } from '../../../ui/src/format.ts';

/** Times as the Now cards show them: as coarse as a glance needs. */

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('relative times', () => {
  it('say "just now" and "in a moment" for the next few seconds, then whole seconds', () => {
    expect(relative(at(-2_600), NOW)).toBe('just now');
    expect(relative(at(300), NOW)).toBe('in a moment');
    expect(relative(at(-12_400), NOW)).toBe('12 s ago');
    expect(relative(at(45_000), NOW)).toBe('in 45 s');
  });

  it('drop the seconds once minutes count, and say nothing for no time', () => {
    expect(relative(at(-3 * 60_000 - 20_000), NOW)).toBe('3 min ago');
    expect(relative(at(2 * 3_600_000), NOW)).toBe('in 2 h 0 min');
    expect(relative(null, NOW)).toBe('—');
  });

  it('keep durations short but exact enough', () => {
    expect(formatDuration(32)).toBe('32 ms');
    expect(formatDuration(3_050)).toBe('3.05 s');
    expect(formatDuration(null)).toBe('—');
  });
});
