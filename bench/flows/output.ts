import { writeFileSync } from 'node:fs';

/**
 * Where a bench flow leaves its figures: the JSON file named by `BENCH_OUT`, written when the process
 * exits, so that figures taken after the run (the process's peak RSS, export and shutdown included)
 * are part of them.
 */
export function benchOutput(): Map<string, unknown> {
  const path = process.env.BENCH_OUT;
  if (!path) throw new Error('BENCH_OUT must name the file the bench flow writes its figures to');
  const figures = new Map<string, unknown>();
  process.on('exit', () => {
    // resourceUsage().maxRSS is in KiB.
    figures.set('peakRssBytes', process.resourceUsage().maxRSS * 1024);
    writeFileSync(path, JSON.stringify(Object.fromEntries(figures)));
  });
  return figures;
}
