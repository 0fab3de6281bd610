import { describe, expect, it } from 'vitest';
import { isoMs } from '../../src/history/iso-ms.ts';

describe('isoMs', () => {
  it('reads the times toISOString writes as Date.parse does, across eras', () => {
    const times = [0, 1, -1, 951_782_400_000, 1_764_633_600_123, -62_135_596_800_000, 253_402_300_799_999];
    for (let i = 0; i < 2_000; i++) times.push(Math.floor((i - 1_000) * 7_919_000_003.7));
    for (const ms of times) {
      const text = new Date(ms).toISOString();
      if (text.length === 24) expect(isoMs(text)).toBe(ms);
    }
  });

  it('leaves other forms and out-of-range fields to Date.parse, rolling days over as it does', () => {
    for (const text of [
      '2026-02-31T00:00:00.000Z',
      '2024-02-29T12:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T10:60:00.000Z',
      '2026-1a-01T00:00:00.000Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T01:00:00.000+01:00',
      'not a time',
      '',
    ]) {
      expect(isoMs(text)).toStrictEqual(Date.parse(text));
    }
  });
});
