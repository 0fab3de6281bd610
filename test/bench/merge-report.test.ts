import { describe, expect, it } from 'vitest';
import { keepEarlierCases } from '../../bench/merge-report.ts';

const report = (measured: string, sizes: string, cases: { title: string; value: string; met: string }[]) =>
  [
    '# Benchmarks',
    '',
    `Measured ${measured} by \`npm run bench\`.`,
    `Sizes: ${sizes}.`,
    '',
    `**${cases.filter((c) => c.met === 'met').length} of ${cases.length} targets met.**`,
    '',
    '| case | figure | value | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...cases.map((c) => `| ${c.title} | figure | ${c.value} | < 1 | ${c.met} |`),
    '',
    '## How it measures',
    '',
    'text',
    '',
    ...cases.flatMap((c) => [`## ${c.title}`, '', `${c.title} measured ${c.value}`, '']),
    '## Reproduce',
    '',
    'npm run bench',
    '',
  ].join('\n');

describe('a report of some cases, merged with the previous one', () => {
  const previous = report('2026-12-01', 'calls 5', [
    { title: '1. Untraced', value: '1', met: '**missed**' },
    { title: '8. serve: ingest', value: 'old', met: '**missed**' },
  ]);
  const fresh = report('2026-12-02', 'calls 7', [{ title: '8. serve: ingest', value: 'new', met: 'met' }]);
  const merged = keepEarlierCases(fresh, previous);

  it('keeps the sections and rows of the cases not re-run, and says from when', () => {
    expect(merged).toContain('## 1. Untraced\n\n1. Untraced measured 1');
    expect(merged).toContain('| 1. Untraced | figure | 1 | < 1 | **missed** |');
    expect(merged).toMatch(/Cases 1 were not re-run: .* measured 2026-12-01 .* Its sizes: calls 5\./);
  });

  it('replaces the re-run case with its new figures and counts the targets again', () => {
    expect(merged).toContain('8. serve: ingest measured new');
    expect(merged).not.toContain('old');
    expect(merged).toContain('**1 of 2 targets met.**');
    expect(merged.indexOf('## 1. Untraced')).toBeLessThan(merged.indexOf('## 8. serve'));
    expect(merged.indexOf('## 8. serve')).toBeLessThan(merged.indexOf('## Reproduce'));
  });

  it('is the fresh report when there is no previous one', () => {
    expect(keepEarlierCases(fresh, undefined)).toBe(fresh);
  });
});
