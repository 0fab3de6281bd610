import { join, resolve } from 'node:path';
import type { CatalogFlow } from '../../src/cli/serve/catalog-schema.ts';
import type { FlowtelCommand } from '../../src/cli/serve/worker-command.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const SERVE_FIXTURES = join(ROOT, 'test/serve/fixtures');

/**
 * flowtel from this repository's sources, as serve would start its children when run with
 * `node --import tsx src/cli/bin.ts` (the test runner's own process is not a flowtel to copy).
 */
export const sourceFlowtel: FlowtelCommand = {
  execPath: process.execPath,
  args: ['--conditions=flowtel-source', '--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/bin.ts')],
};

export function serveFixture(...parts: string[]): string {
  return join(SERVE_FIXTURES, ...parts);
}

/** A flow of `fixtures/runs/<file>.ts` as serve's catalog would list it. */
export function runsFlow(file: string, exportName: string, name = exportName): CatalogFlow {
  return {
    file: serveFixture('runs', `${file}.ts`),
    exportName,
    name,
    description: null,
    tags: [],
    schedules: [],
    overlap: 'skip',
    concurrency: null,
    catchUp: 'skip',
    hasParams: false,
  };
}
