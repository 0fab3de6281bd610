import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/cli/serve/catalog.ts';
import { listFlowFiles } from '../../src/cli/serve/catalog-files.ts';
import { tempDir } from '../support/cli.ts';
import { serveFixture, sourceFlowtel } from './worker-support.ts';

const env = { PATH: process.env.PATH ?? '', WAREHOUSE_PASSWORD: 'hunter2-warehouse' };

describe('the flow catalog, read by a flowtel describe child process', () => {
  it('describes the flows of a folder (whatever they print), reports the file that does not load and the duplicate name', async () => {
    const catalog = await loadCatalog([serveFixture('flows')], {
      timeoutMs: 20_000,
      command: sourceFlowtel,
      env,
    });

    expect(catalog.flows).toEqual([
      {
        file: serveFixture('flows', 'alpha.ts'),
        exportName: 'alpha',
        name: 'alpha',
        description: 'Loads the day',
        tags: ['orders'],
        schedules: [
          { id: 'cron */5 * * * * UTC', spec: { cron: '*/5 * * * *', timezone: 'UTC' }, params: null },
        ],
        overlap: 'skip',
        concurrency: 1,
        catchUp: 'skip',
        hasParams: true,
      },
      {
        file: serveFixture('flows', 'beta.mjs'),
        exportName: 'default',
        name: 'beta',
        description: null,
        tags: [],
        schedules: [],
        overlap: 'skip',
        concurrency: 1,
        catchUp: 'skip',
        hasParams: false,
      },
      expect.objectContaining({ file: serveFixture('flows', 'noisy.ts'), name: 'noisy', tags: ['chatty'] }),
    ]);
    expect(catalog.problems).toEqual([
      {
        file: serveFixture('flows', 'broken.ts'),
        message: 'does not load: cannot reach the warehouse with password [REDACTED]',
      },
      {
        file: serveFixture('flows', 'copy.ts'),
        message: `flow name 'alpha' is declared twice: by ${serveFixture('flows', 'alpha.ts')} (export alpha) and by ${serveFixture('flows', 'copy.ts')} (export alphaAgain); serve uses the first`,
      },
    ]);
  });

  it('cuts off a file whose import blocks, blames a file that ends the process, and still describes the rest', async () => {
    const catalog = await loadCatalog([serveFixture('stuck')], {
      timeoutMs: 15_000,
      command: sourceFlowtel,
      env,
    });

    expect(catalog.flows.map((flow) => flow.name)).toEqual(['fine']);
    expect(catalog.problems).toEqual([
      {
        file: serveFixture('stuck', 'blocks.ts'),
        message: expect.stringContaining('did not finish loading within 15s'),
      },
      {
        file: serveFixture('stuck', 'exits.ts'),
        message: 'the process loading it exited with code 3: giving up',
      },
    ]);
  }, 60_000);

  it('names a path that does not exist and describes the others', async () => {
    const catalog = await loadCatalog([serveFixture('flows', 'beta.mjs'), serveFixture('missing')], {
      timeoutMs: 20_000,
      command: sourceFlowtel,
      env,
    });
    expect(catalog.flows.map((flow) => flow.name)).toEqual(['beta']);
    expect(catalog.problems).toEqual([
      { file: serveFixture('missing'), message: `cannot find ${serveFixture('missing')}` },
    ]);
  });
});

describe('the files a --flows folder contributes', () => {
  it('takes scripts at any depth, leaving out tests, declarations, node_modules and hidden folders', () => {
    const root = tempDir('flowtel-catalog-');
    const write = (path: string) => {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), '');
    };
    for (const path of [
      'a.ts',
      'b.mjs',
      'c.js',
      'd.mts',
      'nested/e.ts',
      'a.test.ts',
      'a.spec.mjs',
      'types.d.ts',
      'readme.md',
      'node_modules/lib/index.js',
      '.cache/f.ts',
    ]) {
      write(path);
    }
    const { files, problems } = listFlowFiles([root]);
    expect(files.map((file) => file.slice(root.length + 1))).toEqual([
      'a.ts',
      'b.mjs',
      'c.js',
      'd.mts',
      'nested/e.ts',
    ]);
    expect(problems).toEqual([]);
  });
});
