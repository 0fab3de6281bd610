import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('flowtel rules', () => {
  it('checks the example rules: exit 0, warning about the channels not configured here', async () => {
    const result = await runCli(['rules', 'check', join(ROOT, 'rules')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('SLACK_WEBHOOK_URL');
  });

  it('passes the example rules test file', async () => {
    const result = await runCli(['rules', 'test', join(ROOT, 'rules/etl.test.yaml')]);
    expect(result.stdout + result.stderr).toMatch(/3 passed/);
    expect(result.code).toBe(0);
  });

  it('reports every mistake of a broken folder and exits 1', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(
      join(dir, 'rules', 'broken.yaml'),
      [
        'rules:',
        '  - name: a',
        '    when: { type: flow-failed }',
        '    notify: [nowhere]',
        '  - name: b',
        '    when: { type: flow-late, flow: etl, cron: "61 * * * *" }',
        '',
      ].join('\n'),
    );
    const result = await runCli(['rules', 'check', 'rules'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.yaml.*nowhere/);
    expect(result.stderr).toMatch(/broken\.yaml.*cron/);
  });

  it('refuses a rules command without its argument', async () => {
    const result = await runCli(['rules', 'test']);
    expect(result.code).toBe(2);
  });
});

describe('flowtel notify test', () => {
  let slack: SlackServer;
  beforeAll(async () => {
    slack = await startSlackServer();
  });
  afterAll(() => slack.close());

  it("sends a test message through a configured channel and reports the receiver's answer", async () => {
    const result = await runCli(['notify', 'test', 'data', '--rules', join(ROOT, 'rules')], {
      env: { SLACK_WEBHOOK_URL: slack.url },
    });
    expect(result.code).toBe(0);
    expect(slack.accepted()).toHaveLength(1);
    expect(result.stdout + result.stderr).not.toContain(slack.url);
  });

  it('fails with the variable to set when the channel is not configured', async () => {
    const result = await runCli(['notify', 'test', 'oncall', '--rules', join(ROOT, 'rules')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SMTP_URL');
  });
});
