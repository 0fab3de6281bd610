import { describe, expect, it } from 'vitest';
import { until } from '../support/serve.ts';
import { SlackReplies, startSlackServer } from '../support/slack-server.ts';
import { userProject } from './fixtures/e2e/project.ts';
import { runOf, startE2eServe } from './fixtures/e2e/support.ts';

const FAILS = `import { flow } from 'flowtel';

export const fails = flow({ name: 'fails', schedule: { interval: '1s' } }, async () => {
  throw new Error('it always fails');
});
`;
const RULES = `channels:
  data: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }
defaults:
  notify: [data]
  groupInterval: 0s
rules:
  - name: fails-failed
    when: { type: flow-failed, flow: fails }
`;

// A flow that always fails, so `fails-failed` fires once (and stays firing: one message in all). The
// Slack receiver leaves serve's first request for it unanswered, so it is not delivered by shutdown.
describe('flowtel serve stopping with a notification not delivered', () => {
  it('keeps it in the outbox, says so, exits 0, and the next serve delivers it', async () => {
    const slack = await startSlackServer();
    const project = userProject({ 'flows/fails.ts': FAILS, 'rules/alerts.yaml': RULES });
    slack.reply(SlackReplies.hang);
    const first = await startE2eServe(['--flows', 'flows', '--rules', 'rules'], { cwd: project, slack });
    await runOf(first.serve, 'fails', 'failed', (run) => run.state.type === 'FAILED');
    await until('the first Slack request', () => slack.requests[0]);
    const stopped = await first.serve.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('1 notification(s) not delivered yet; they stay in the outbox');
    expect(slack.accepted()).toHaveLength(0);

    // The next serve of the same FLOWTEL_HOME runs no flows: what it sends, the outbox kept.
    const next = await startE2eServe(['--rules', 'rules'], { cwd: project, slack });
    try {
      const delivered = await until('the alert delivered by the next serve', () => slack.accepted()[0]);
      expect(String((delivered.body as { text?: unknown }).text)).toMatch(/^FIRING: fails Failed/);
      expect(JSON.stringify(delivered.body)).toContain('it always fails');
    } finally {
      await next.close();
      await slack.close();
    }
  }, 60_000);
});
