/**
 * `npm run bench`: issues 9 and 12's benchmark suite, through `flowtel run` and `flowtel serve`, written
 * to BENCHMARKS.md (or `BENCH_REPORT`); with `BENCH_CASES`, the cases not run keep their earlier figures. See BENCHMARKS.md for what each case does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { ROOT } from './cli.ts';
import { keepEarlierCases } from './merge-report.ts';
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
// Some cases re-run: the others keep their figures from the report there (see merge-report.ts).
const previous = only && existsSync(path) ? readFileSync(path, 'utf8') : undefined;
writeFileSync(path, keepEarlierCases(report, previous));
// In the tree, the file is laid out as the tree's formatter wants it (its tables padded), so lint passes.
if (!relative(ROOT, path).startsWith('..')) {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', path], { cwd: ROOT, stdio: 'ignore' });
}
process.stderr.write(`wrote ${path}\n`);
