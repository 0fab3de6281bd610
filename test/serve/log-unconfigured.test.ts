import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';

/**
 * Serve refuses a rules folder whose channels are not configured, and says how to try it anyway;
 * with `--log-unconfigured` it starts, and those channels' alerts go to its log (as `flowtel run`
 * prints them), naming the variable to set.
 */

const FIXTURES = resolve(import.meta.dirname, 'fixtures/live');
const ARGS = ['--flows', join(FIXTURES, 'flows'), '--rules', join(FIXTURES, 'rules')];
let serve: ServeProcess | undefined;
afterEach(async () => {
  await serve?.stop();
  serve = undefined;
});

describe('a rules folder whose channel variables are unset', () => {
  it('is refused, and the refusal names the variable and --log-unconfigured', async () => {
    const cwd = tempDir('flowtel-serve-');
    const run = startCli(['serve', '--port', '0', '--otlp-port', '0', ...ARGS], {
      cwd,
      env: { FLOWTEL_HOME: join(cwd, '.flowtel') },
    });
    const result = await run.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('hook (set HOOK_URL)');
    expect(result.stderr).toContain('--log-unconfigured');
  });

  it('with --log-unconfigured, serve starts and prints the alert a failed run fires', async () => {
    serve = await startServe([...ARGS, '--log-unconfigured']);
    const { status, body } = await serve.api('/api/v1/flows/live-logs/runs', {
      body: { params: { fail: true } },
    });
    expect(status, JSON.stringify(body)).toBe(201);
    const printed = await until('the alert in serve log', () => {
      const { stdout, stderr } = serve!.run.output();
      const text = stdout + stderr;
      return text.includes('live-logs-failed') && text.includes('HOOK_URL') ? text : undefined;
    });
    expect(printed).toMatch(/FIRING/);
    const events = await until('the firing alert event', async () => {
      const history = await serve!.api('/api/v1/alerts/history');
      return history.body.events?.length > 0 ? history.body.events : undefined;
    });
    expect(events[0]).toMatchObject({ rule: 'live-logs-failed', kind: 'firing', runId: body.id });
  });
});
