import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** What a user who only wraps functions must not load, by package-name prefix, each with one package. */
const HEAVY: Record<string, string> = {
  '@opentelemetry/sdk-': '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-': '@opentelemetry/exporter-trace-otlp-http',
  'better-sqlite3': 'better-sqlite3',
  nodemailer: 'nodemailer',
  '@slack/webhook': '@slack/webhook',
  protobufjs: 'protobufjs',
  croner: 'croner',
};

/**
 * Runs a flow in a fresh Node (from source, as `flowtel-source` resolves) after importing `extra`, and
 * answers which heavy packages it loaded: every URL an ES module import resolved to (recorded by a
 * resolve hook) and every CommonJS module in `require.cache`.
 */
function heavyLoadedBy(extra: readonly string[]): { result: unknown; loaded: string[] } {
  const file = join(tempDir('flowtel-imports-'), 'resolved.txt');
  const hooks = pathToFileURL(join(ROOT, 'test/support/record-imports.mjs')).href;
  const script = `
    const { createRequire, register } = await import('node:module');
    register(${JSON.stringify(hooks)}, { data: { file: ${JSON.stringify(file)} } });
    const { flow, task } = await import('flowtel');
    for (const name of ${JSON.stringify(extra)}) await import(name);
    const double = task('double', (n) => n * 2);
    const result = await flow({ name: 'light' }, () => double(21))();
    const required = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ result, required }));
  `;
  const run = spawnSync(
    process.execPath,
    ['--conditions=flowtel-source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  const { result, required } = JSON.parse(run.stdout) as { result: unknown; required: string[] };
  const resolved = readFileSync(file, 'utf8').split('\n');
  const paths = [...resolved, ...required];
  const loaded = Object.keys(HEAVY).filter((prefix) =>
    paths.some((path) => path.includes(`/node_modules/${prefix}`)),
  );
  return { result, loaded };
}

describe('a user who only wraps functions', () => {
  it('loads none of the heavy pieces (SDK, SQLite, SMTP, Slack, protobuf, cron) by running a flow', () => {
    expect(heavyLoadedBy([])).toEqual({ result: 42, loaded: [] });
  });

  it('would be seen loading each of them: the check sees ES modules and CommonJS alike', () => {
    expect(heavyLoadedBy(Object.values(HEAVY))).toEqual({ result: 42, loaded: Object.keys(HEAVY) });
  });
});
