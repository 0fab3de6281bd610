import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HEAVY = [
  '@opentelemetry/sdk-',
  '@opentelemetry/exporter-',
  'better-sqlite3',
  'nodemailer',
  '@slack/webhook',
  'protobufjs',
  'croner',
];

describe('a user who only wraps functions', () => {
  it('loads none of the heavy pieces (SDK, SQLite, SMTP, Slack, protobuf, cron) by running a flow', () => {
    const script = `
      const { createRequire } = await import('node:module');
      const require = createRequire(import.meta.url);
      const { flow, task } = await import('flowtel');
      const double = task('double', (n) => n * 2);
      const result = await flow({ name: 'light' }, () => double(21))();
      const heavy = ${JSON.stringify(HEAVY)};
      const loaded = Object.keys(require.cache).filter((path) => heavy.some((name) => path.includes('/node_modules/' + name)));
      console.log(JSON.stringify({ result, loaded }));
    `;
    const run = spawnSync(
      process.execPath,
      ['--conditions=flowtel-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ result: 42, loaded: [] });
  });
});
