import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cannotKeepState } from '../../src/cli/alerting.ts';
import { fixture, runCli, tempDir } from '../support/cli.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';

describe('flowtel run without a usable flowtel.db', () => {
  it('says another process holds the file when it is locked, not that the folder is unwritable', () => {
    const locked = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(cannotKeepState(locked, { FLOWTEL_HOME: '/srv/flowtel' }).message).toBe(
      'cannot keep alert state in /srv/flowtel/flowtel.db: database is locked (another process holds it locked; try again, or set FLOWTEL_ALERTING=off)',
    );
  });

  it('points at FLOWTEL_HOME when the file cannot be created', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/srv/flowtel'"), {
      code: 'EACCES',
    });
    expect(cannotKeepState(denied, { FLOWTEL_HOME: '/srv/flowtel' }).message).toMatch(
      /EACCES: permission denied, mkdir '\/srv\/flowtel' \(set FLOWTEL_HOME to a writable folder, or FLOWTEL_ALERTING=off\)$/,
    );
  });
});

describe('flowtel run with a rules folder, one channel configured and one not', () => {
  let slack: SlackServer;
  beforeAll(async () => {
    slack = await startSlackServer();
  });
  afterAll(() => slack.close());

  const quiet = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };
  function rulesFolder(): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'rules'));
    writeFileSync(
      join(dir, 'rules', 'alerts.yaml'),
      [
        'channels:',
        '  data: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }',
        '  mail: { type: email, to: [oncall@example.com], from: f@example.com, smtpUrl: { env: SMTP_URL } }',
        'defaults: { notify: [data, mail] }',
        "links: { trace: 'http://tempo.local/trace/{traceId}' }",
        'rules:',
        '  - name: failed',
        '    when: { type: flow-failed }',
        '',
      ].join('\n'),
    );
    return dir;
  }

  it("sends to the configured one, prints for the other, and both the summary and Slack show the rules' trace link over FLOWTEL_TRACE_URL", async () => {
    const result = await runCli(['run', fixture('failing.ts')], {
      env: {
        ...quiet,
        SLACK_WEBHOOK_URL: slack.url,
        FLOWTEL_TRACE_URL: 'http://jaeger.local/trace/{traceId}',
      },
      cwd: rulesFolder(),
    });
    expect(result.code).toBe(1);
    const summaryLink = /^ {2}trace {4}(\S+)$/m.exec(result.stdout)?.[1];
    expect(summaryLink).toMatch(/^http:\/\/tempo\.local\/trace\/[0-9a-f]{32}$/);
    const [sent] = slack.accepted();
    const buttons = JSON.stringify(sent?.body).match(/http:\/\/[a-z.]+\/trace\/[0-9a-f]{32}/g);
    expect(new Set(buttons)).toEqual(new Set([summaryLink]));
    expect(result.stderr).toContain('[flowtel] FIRING failed');
    expect(result.stderr).toContain("channel 'mail' is not configured: set SMTP_URL");
    expect(result.stderr).not.toContain("channel 'data'");
    expect(result.stdout + result.stderr).not.toContain(slack.url);
  });

  it('refuses to start with exit 2 when a channel variable is set to something that is not its URL, without showing it', async () => {
    const result = await runCli(['run', fixture('failing.ts')], {
      env: {
        ...quiet,
        SLACK_WEBHOOK_URL: 'ftp://hooks.example.com/s3cretToken',
        SMTP_URL: 'http://u:hunter2pw@mail',
      },
      cwd: rulesFolder(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLACK_WEBHOOK_URL must start with http:// or https://');
    expect(result.stderr).toContain('SMTP_URL must start with smtp:// or smtps://');
    expect(result.stderr).not.toMatch(/s3cretToken|hunter2pw/);
    expect(result.stdout).not.toContain('flow failing');
  });
});
