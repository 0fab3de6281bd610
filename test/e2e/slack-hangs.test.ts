import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, startCli, tempDir } from '../support/cli.ts';
import { SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'examples/etl.ts');
const RULES = join(ROOT, 'rules');

let slack: SlackServer;
beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(async () => {
  await slack.close();
});

interface Row {
  channel: string;
  status: string;
  claimed_by: string | null;
}

function outbox(home: string): Row[] {
  const db = new Database(join(home, 'flowtel.db'), { readonly: true });
  try {
    return db.prepare('SELECT channel, status, claimed_by FROM outbox').all() as Row[];
  } finally {
    db.close();
  }
}

describe('flowtel run while Slack never answers', () => {
  it('exits within seconds of the run, and the next run sends what was left, once', async () => {
    const home = tempDir('flowtel-home-');
    const env = {
      SLACK_WEBHOOK_URL: slack.url,
      FLOWTEL_HOME: home,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    };
    slack.reply(SlackReplies.hang);

    // Slack's own timeout is 10 s per request, and retries follow: only the flush deadline ends this.
    const run = runCli(['run', EXAMPLE, '--param', 'failAt=load', '--rules', RULES], { env });
    const patience = new Promise<'still running'>((done) => setTimeout(done, 25_000, 'still running'));
    const failed = await Promise.race([run, patience]);
    expect(failed).not.toBe('still running');
    expect((failed as CliResult).code).toBe(1);
    expect((failed as CliResult).stderr).toContain('not delivered yet');
    const left = outbox(home).filter((e) => e.status === 'pending');
    expect(left.length).toBeGreaterThan(0);
    expect(slack.accepted()).toHaveLength(0);

    const recovered = await runCli(['run', EXAMPLE, '--rules', RULES], { env });
    expect(recovered.code).toBe(0);
    expect(recovered.stderr).not.toContain('not delivered yet');
    expect(outbox(home).every((e) => e.status === 'sent')).toBe(true);
    // What the first run left (its failure alert among it) arrived once, with the second run's own.
    const failure = slack
      .accepted()
      .filter((r) => JSON.stringify(r.body).includes('etl failed: Error: insert'));
    expect(failure).toHaveLength(1);
  }, 90_000);

  it('exits at once on Ctrl-C while delivering, leaving what is unsent to the next run', async () => {
    const home = tempDir('flowtel-home-');
    const env = {
      SLACK_WEBHOOK_URL: slack.url,
      FLOWTEL_HOME: home,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    };
    slack.reply(SlackReplies.hang);
    const run = startCli(['run', EXAMPLE, '--param', 'failAt=load', '--rules', RULES], { env });
    // The summary is printed when the run has ended and delivery is flushing (Slack still silent).
    await run.waitForOutput('run id');
    run.child.kill('SIGINT');
    const patience = new Promise<'still running'>((done) => setTimeout(done, 20_000, 'still running'));
    const result = await Promise.race([run.done, patience]);
    expect(result).not.toBe('still running');
    expect((result as CliResult).code).toBe(130);
    expect((result as CliResult).stderr).toContain('stay in the outbox for the next run');
    const left = outbox(home).filter((e) => e.status === 'pending');
    expect(left.length).toBeGreaterThan(0);
    // Released, not held by the process that left: the next run need not wait for a lease to lapse.
    expect(left.every((e) => e.claimed_by === null)).toBe(true);
  }, 60_000);
});
