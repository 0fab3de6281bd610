import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.ts';
import { SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { type SmtpCatcher, startSmtpServer } from '../support/smtp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/etl.ts');
const RULES = join(ROOT, 'rules');

let slack: SlackServer;
let smtp: SmtpCatcher;
beforeAll(async () => {
  [slack, smtp] = await Promise.all([startSlackServer(), startSmtpServer()]);
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.stop()]);
});

function failedAlerts(): Array<{ text: string }> {
  return slack
    .accepted()
    .map((r) => r.body as { text: string })
    .filter((b) => JSON.stringify(b).includes('any-flow-failed'));
}

describe('the example flow with its rules, delivering for real', () => {
  it('sends one Slack message and one email when it fails, and the resolved ones after the next good run', async () => {
    const home = tempDir('flowtel-home-');
    const env = {
      SLACK_WEBHOOK_URL: slack.url,
      SMTP_URL: smtp.url,
      FLOWTEL_HOME: home,
      FLOWTEL_TRACE_URL: 'http://localhost:16686/trace/{traceId}',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    };
    // Slack is rate limiting for a second: delivery waits for Retry-After, loses nothing, doubles nothing.
    slack.reply(SlackReplies.rateLimited(1));

    const failed = await runCli(['run', EXAMPLE, '--param', 'failAt=load', '--rules', RULES], { env });
    expect(failed.code).toBe(1);
    const traceId = /trace id ([0-9a-f]{32})/.exec(failed.stdout)?.[1];
    expect(traceId).toBeDefined();

    const firing = failedAlerts();
    expect(firing).toHaveLength(1);
    const slackText = JSON.stringify(firing[0]);
    expect(slackText).toContain(`http://localhost:16686/trace/${traceId}`);
    expect(slackText).toContain('duplicate key');
    expect(slackText).not.toContain(slack.url);
    const failureMails = smtp.messages.filter((m) => m.subject?.includes('etl'));
    expect(failureMails).toHaveLength(1);
    expect(failureMails[0]?.html).toContain(`http://localhost:16686/trace/${traceId}`);
    expect(failureMails[0]?.text).toContain('duplicate key');

    const recovered = await runCli(['run', EXAMPLE, '--rules', RULES], { env });
    expect(recovered.code).toBe(0);
    const resolved = failedAlerts().slice(1);
    expect(resolved).toHaveLength(1);
    expect(JSON.stringify(resolved[0]).toLowerCase()).toContain('resolved');
    expect(smtp.messages.filter((m) => /resolved/i.test(m.subject ?? ''))).toHaveLength(1);
    expect(failed.stderr + recovered.stderr).not.toContain(slack.url);
  }, 120_000);
});
