import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { type ServeProcess, startServe } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { ended, FLOWS, RULES } from './fixtures/api/support.ts';

/** The CLI clients (`runs`, `flows`, `silence`, `run-now`) as real processes against a real serve. */

const TOKEN = 'serve-token-for-the-clients-test-91c2';
let hook: SlackServer;
let serve: ServeProcess;
beforeAll(async () => {
  hook = await startSlackServer();
  serve = await startServe(['--flows', FLOWS, '--rules', RULES], {
    env: { HOOK_URL: hook.url, FLOWTEL_API_TOKEN: TOKEN },
  });
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await hook?.close();
});

function cli(args: string[], env: Record<string, string> = { FLOWTEL_API_TOKEN: TOKEN }) {
  return runCli(args, { env: { TZ: 'UTC', FLOWTEL_API_URL: serve.apiUrl, ...env } });
}

describe('the CLI clients against a real serve', () => {
  it('run-now starts a run, and runs lists it; a refused parameter exits 1 with the reason', async () => {
    const started = await cli(['run-now', 'api-orders', '--param', 'day=2026-12-05', '--json']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const { id } = JSON.parse(started.stdout);
    await ended(serve, id);

    const listed = await cli(['runs', '--flow', 'api-orders']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+FLOW\s+STATE\s+DURATION\s+SOURCE\s+RUN ID$/);
    expect(lines[1]).toMatch(new RegExp(`api-orders\\s+Completed\\s+\\S+\\s+api\\s+${id}$`));

    const json = JSON.parse((await cli(['runs', '--state', 'completed', '--limit', '1', '--json'])).stdout);
    expect(json.runs).toMatchObject([{ id, flow: 'api-orders', state: { name: 'Completed' } }]);

    const refused = await cli(['run-now', 'api-orders', '--param', 'day=monday']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('day must look like 2026-11-24');
    const noToken = await cli(['run-now', 'api-orders'], {});
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('FLOWTEL_API_TOKEN');
  }, 60_000);

  it('flows lists the flows of --flows', async () => {
    const { code, stdout } = await cli(['flows']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^FLOW\s+SCHEDULE\s+NEXT RUN\s+LAST RUN\s+RUNNING\n/);
    for (const flow of ['api-breaks', 'api-orders', 'api-waits'])
      expect(stdout).toMatch(new RegExp(`^${flow}\\s`, 'm'));
  });

  it('silence add, list and expire change what serve holds', async () => {
    const added = await cli([
      'silence',
      'add',
      '--matcher',
      'flow=api-breaks',
      '--for',
      '2h',
      '--comment',
      'disk swap',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = /^silence (\S+) added: flow=api-breaks/.exec(added.stdout)?.[1];
    expect(id).toBeDefined();
    expect((await serve.api('/api/v1/silences')).body.silences).toMatchObject([
      { id, matchers: { flow: 'api-breaks' }, comment: 'disk swap' },
    ]);

    const listed = await cli(['silence', 'list']);
    expect(listed.stdout).toMatch(/^ID\s+MATCHERS\s+ENDS\s+COMMENT\n/);
    expect(listed.stdout).toContain(`${id}  flow=api-breaks`);

    expect(await cli(['silence', 'expire', id!])).toMatchObject({
      code: 0,
      stdout: `silence ${id} expired\n`,
    });
    expect((await serve.api('/api/v1/silences')).body.silences).toEqual([]);
  }, 60_000);
});
