import { resolve } from 'node:path';
import { expect, describe as group, it } from 'vitest';
import { rulesCheck } from '../../src/rules/commands/check.ts';
import { brokenRulesFolder } from './broken-folder.ts';

const fixtures = resolve(import.meta.dirname, 'fixtures');

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
      "broken/more.yaml:6: rules[orders-failed].when.type: must be one of 'flow-failed', 'task-failed', 'task-retrying', 'flow-running-longer-than', 'flow-duration-above', 'flow-failures', 'flow-late'",
      'broken/more.yaml:7: rules[1].name: is missing (expected string)',
      'broken/more.yaml:7: rules[1].when.minAttempt: Too small: expected number to be >=2',
      "broken/orders.yaml:3: channels.pager.type: must be one of 'slack', 'email', 'webhook'",
      "broken/orders.yaml:8: rules[orders-failed].when: unknown key 'task'",
      `broken/orders.yaml:10: rules[orders-slow].when.duration: must be a duration such as '250ms', '30s', '15m', '4h' or a number of milliseconds, got "3 parsecs"`,
      'broken/orders.yaml:12: rules[orders-late].when.cron: is not a valid cron expression: Invalid value for minute: 61',
      `broken/orders.yaml:12: rules[orders-late].when.timezone: must be an IANA time zone such as 'Europe/Berlin' or 'UTC', got "Mars/Olympus_Mons"`,
      'broken/orders.yaml:14: rules[orders-flaky].when.count: Too small: expected number to be >=1',
      "broken/orders.yaml:15: rules[orders-flaky].severity: must be one of 'info', 'warning', 'critical'",
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
