import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, describe as group, it } from 'vitest';
import { rulesCheck } from '../../src/rules/commands/check.ts';
import { brokenRulesFolder } from './broken-folder.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures');

/** A folder holding `rules/` with the given files; returns the folder (the cwd of the check). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-check-'));
  mkdirSync(join(dir, 'rules'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'rules', name), `${text}\n`);
  return dir;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
    stdout: () => out.join(''),
    stderr: () => err.join('').trimEnd().split('\n'),
  };
}

group('rules check', () => {
  it('reports every problem of a broken folder at once, one line each with file, line, path and message', async () => {
    const c = capture();
    const cwd = brokenRulesFolder();
    const code = await rulesCheck('broken', { ...c.io, env: { SMTP_URL: 'smtp://localhost' }, cwd });
    expect(code).toBe(1);
    expect(c.stderr()).toEqual([
      'broken/more.yaml:3: channels.mail.to[0]: Invalid email address',
      "broken/more.yaml:6: rules[orders-failed].when.type: must be one of 'flow-failed', 'task-failed', 'task-retrying', 'flow-running-longer-than', 'flow-duration-above', 'flow-failures', 'flow-late', got 'flow-exploded'",
      'broken/more.yaml:7: rules[1].name: is missing (expected string)',
      'broken/more.yaml:7: rules[1].when.minAttempt: Too small: expected number to be >=2',
      "broken/orders.yaml:3: channels.pager.type: must be one of 'slack', 'email', 'webhook', got 'pagerduty'",
      "broken/orders.yaml:8: rules[orders-failed].when: unknown key 'task'",
      `broken/orders.yaml:10: rules[orders-slow].when.duration: must be a duration such as '250ms', '30s', '15m', '4h' or a number of milliseconds, got "3 parsecs"`,
      'broken/orders.yaml:12: rules[orders-late].when.cron: is not a valid cron expression: Invalid value for minute: 61',
      `broken/orders.yaml:12: rules[orders-late].when.timezone: must be an IANA time zone such as 'Europe/Berlin' or 'UTC', got "Mars/Olympus_Mons"`,
      'broken/orders.yaml:14: rules[orders-flaky].when.count: Too small: expected number to be >=1',
      "broken/orders.yaml:15: rules[orders-flaky].severity: must be one of 'info', 'warning', 'critical', got 'urgent'",
      'broken/syntax.yml:4: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }',
      `broken/typed.ts: rules[typed-slow].when.duration: must be a duration such as '250ms', '30s', '15m', '4h' or a number of milliseconds, got "45 minutes"`,
      "broken/orders.yaml: channels.data: channel 'data' is already defined in broken/more.yaml",
      "broken/orders.yaml: rules[orders-retrying]: rule 'orders-retrying' is already defined in broken/more.yaml",
      "broken/more.yaml: rules[orders-retrying].notify[0]: unknown channel 'oncall' (defined: data, ops)",
      "broken/orders.yaml: defaults.notify[1]: unknown channel 'nobody' (defined: data, ops)",
      "broken/more.yaml: channels.data: warning: channel 'data' is not configured: set OTHER_SLACK_URL",
      "broken/typed.ts: channels.ops: warning: channel 'ops' is not configured: set OPS_SLACK_URL",
    ]);
    expect(c.stdout()).toBe('rules check: broken: FAILED (17 errors, 2 warnings)\n');
  });

  it('names the value it refused for every choice of the schema', async () => {
    const c = capture();
    const cwd = folder({
      'choices.yaml': [
        'channels:',
        '  team: { type: slak, webhookUrl: { env: A_URL } }',
        '  hook: { type: webhook, url: { env: B_URL }, format: xml }',
        '  anon: { webhookUrl: { env: C_URL } }',
        'rules:',
        '  - { name: r, when: { type: flow-failed }, severity: 3 }',
      ].join('\n'),
    });
    expect(await rulesCheck('rules', { ...c.io, env: {}, cwd })).toBe(1);
    expect(c.stderr()).toEqual([
      "rules/choices.yaml:2: channels.team.type: must be one of 'slack', 'email', 'webhook', got 'slak'",
      "rules/choices.yaml:3: channels.hook.format: must be one of 'flowtel', 'alertmanager', got 'xml'",
      "rules/choices.yaml:4: channels.anon.type: is missing (must be one of 'slack', 'email', 'webhook')",
      "rules/choices.yaml:6: rules[r].severity: must be one of 'info', 'warning', 'critical', got 3",
    ]);
  });

  it('refuses channel URLs of the wrong shape, naming the variable and never its value', async () => {
    const c = capture();
    const cwd = folder({
      'channels.yaml': [
        'channels:',
        '  chat: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }',
        '  mail: { type: email, to: [a@example.com], from: f@example.com, smtpUrl: { env: SMTP_URL } }',
        '  hook: { type: webhook, url: { env: HOOK_URL } }',
        '  host: { type: email, to: [a@example.com], from: f@example.com, smtpUrl: { env: NO_HOST_URL } }',
        'defaults: { notify: [chat, mail, hook, host] }',
        'rules:',
        '  - { name: r, when: { type: flow-failed } }',
      ].join('\n'),
    });
    const env = {
      SLACK_WEBHOOK_URL: 'ftp://hooks.example.com/T0/B0/s3cretToken',
      SMTP_URL: 'http://user:hunter2secret@mail.example.com',
      HOOK_URL: 'not a url s3cretToken',
      NO_HOST_URL: 'smtp://',
    };
    expect(await rulesCheck('rules', { ...c.io, env, cwd })).toBe(1);
    expect(c.stderr()).toEqual([
      'rules/channels.yaml: channels.chat.webhookUrl: SLACK_WEBHOOK_URL must start with http:// or https:// (the value is not shown: it is a secret)',
      'rules/channels.yaml: channels.mail.smtpUrl: SMTP_URL must start with smtp:// or smtps:// (the value is not shown: it is a secret)',
      'rules/channels.yaml: channels.hook.url: HOOK_URL is not an http(s) URL (the value is not shown: it is a secret)',
      'rules/channels.yaml: channels.host.smtpUrl: NO_HOST_URL must name a host, as in smtp://user:pass@host:587 (the value is not shown: it is a secret)',
    ]);
    expect(c.stdout()).toBe('rules check: rules: FAILED (4 errors, 0 warnings)\n');
    expect(c.stderr().join('\n')).not.toMatch(/s3cretToken|hunter2secret|ftp:|http:\/\/user/);
  });

  it('passes a good folder, warning about channels whose variables are unset', async () => {
    const c = capture();
    const code = await rulesCheck('good', {
      ...c.io,
      env: { SLACK_WEBHOOK_URL: 'https://hooks' },
      cwd: fixtures,
    });
    expect(code).toBe(0);
    expect(c.stderr()).toEqual([
      "good/channels.ts: channels.oncall: warning: channel 'oncall' is not configured: set SMTP_URL",
      "good/channels.ts: channels.hooks: warning: channel 'hooks' is not configured: set HOOK_URL",
    ]);
    expect(c.stdout()).toBe('rules check: good: OK, 3 rules and 3 channels in 2 files (2 warnings)\n');
  });

  it('passes the example rules of the repository', async () => {
    const c = capture();
    const env = { SLACK_WEBHOOK_URL: 'https://hooks', SMTP_URL: 'smtp://localhost' };
    const code = await rulesCheck('rules', { ...c.io, env, cwd: resolve(import.meta.dirname, '../..') });
    expect(c.stdout()).toBe('rules check: rules: OK, 4 rules and 2 channels in 1 file\n');
    expect(code).toBe(0);
  });

  it('warns about flow-late rules that cannot work as written: no schedule of their own, or a groupBy', async () => {
    const c = capture();
    const code = await rulesCheck('unscheduled', { ...c.io, env: {}, cwd: fixtures });
    expect(code).toBe(0);
    expect(c.stderr()).toEqual([
      'unscheduled/late.yaml: rules[orders-late].when: warning: has no cron or interval: it uses the schedule the flow (nightly-orders) declares with flow({ schedule }), and never fires for a flow that declares none',
      'unscheduled/late.yaml: rules[orders-late]: warning: notifies no channel: add notify to the rule or defaults.notify',
      'unscheduled/late.yaml: rules[customer-late].groupBy: warning: does not apply to flow-late: a run that never started has no parameters or error (its identity is flow and schedule)',
      'unscheduled/late.yaml: rules[customer-late]: warning: notifies no channel: add notify to the rule or defaults.notify',
    ]);
  });
});
