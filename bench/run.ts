/**
 * `npm run bench`: issue 9's benchmark suite, every case through `flowtel run`, written to
 * BENCHMARKS.md (or `BENCH_REPORT`). See BENCHMARKS.md for what each case does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.ts';
import { currentLoad, renderReport } from './report.ts';
import { sizesFrom } from './sizes.ts';
import { runSuite } from './suite.ts';

const sizes = sizesFrom(process.env);
const only = process.env.BENCH_CASES?.split(',').map((name) => name.trim());
const loadAtStart = currentLoad();
const result = await runSuite(sizes, {
  ...(only ? { only } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
const settings = Object.entries(process.env)
  .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_REPORT')
  .map(([name, value]) => `${name}=${value} `)
  .join('');
const report = renderReport(result, { command: `${settings}npm run bench`, sizes, loadAtStart });
const path = process.env.BENCH_REPORT ?? join(ROOT, 'BENCHMARKS.md');
writeFileSync(path, report);
process.stderr.write(`wrote ${path}\n`);
