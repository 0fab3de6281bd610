import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_EXPORT } from '../../bench/cases/context.ts';
import { ROOT } from '../../bench/cli.ts';
import { profileRun } from '../../bench/profile.ts';
import { renderReport } from '../../bench/report.ts';
import { sizesFrom } from '../../bench/sizes.ts';
import { CASES, runSuite } from '../../bench/suite.ts';

// A smoke run: tiny sizes, no timed assertion. It proves that every case still runs through
// `flowtel run` and produces its figures, so the suite cannot rot unnoticed.
const ENGINE_ALONE = existsSync(join(ROOT, 'bench/engine-alone.ts'));

describe('the benchmark suite at tiny sizes', () => {
  it('runs every case and each figure is a number, and the report shows them all', async () => {
    const sizes = sizesFrom({ BENCH_QUICK: '1' });
    const result = await runSuite(sizes, { profileMisses: false });

    expect(result.cases).toHaveLength(CASES.length);
    for (const { title, figures } of result.cases) {
      expect(title).not.toMatch(/failed/);
      expect(figures.length).toBeGreaterThan(0);
      for (const figure of figures) {
        const engineAloneMissing = !ENGINE_ALONE && figure.label.startsWith('engine alone');
        if (engineAloneMissing) expect(figure.note).toMatch(/^not available/);
        else expect(figure.value, `${title}: ${figure.label}`).toSatisfy(Number.isFinite);
      }
    }
    const report = renderReport(result, { command: 'BENCH_QUICK=1 npm run bench', sizes, loadAtStart: 0 });
    for (const { title } of result.cases) expect(report).toContain(`## ${title}`);
    expect(report).toMatch(/targets met/);
  }, 300_000);

  it('profiles the flowtel side of a case and names its top frames', async () => {
    const profile = await profileRun('task-cost.ts', {
      env: {
        ...NO_EXPORT,
        FLOWTEL_ALERTING: 'off',
        BENCH_CALLS: '200',
        BENCH_ROUNDS: '1',
        BENCH_VARIANTS: 'flowtel',
      },
    });
    expect(profile.topFrames.length).toBeGreaterThan(0);
    expect(profile.topFrames.every(({ percent }) => percent > 0 && percent <= 100)).toBe(true);
    expect(profile.areas.length).toBeGreaterThan(0);
  }, 60_000);
});
