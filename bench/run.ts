/**
 * `npm run bench`: issue 9's benchmark suite, every case through `flowtel run`, written to
 * BENCHMARKS.md (or `BENCH_REPORT`). See BENCHMARKS.md for what each case does.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
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
// In the tree, the file is laid out as the tree's formatter wants it (its tables padded), so lint passes.
if (!relative(ROOT, path).startsWith('..')) {
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', path], { cwd: ROOT, stdio: 'ignore' });
}
process.stderr.write(`wrote ${path}\n`);
