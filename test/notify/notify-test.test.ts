import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelDefinition } from '../../src/alerts/channels.ts';
import { notifyTest } from '../../src/notify/commands/notify-test.ts';
import { SECRET_PATH, SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';

const channels: Record<string, ChannelDefinition> = {
  data: { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } },
};
let server: SlackServer;
let out: string;
let err: string;
const io = () => ({
  stdout: { write: (s: string) => (out += s) },
  stderr: { write: (s: string) => (err += s) },
});

beforeEach(async () => {
  server = await startSlackServer();
  out = '';
  err = '';
});
afterEach(async () => {
  await server.close();
});

describe('flowtel notify test', () => {
  it('sends a test message and reports the receiver answer (exit 0)', async () => {
    const code = await notifyTest('data', { channels, env: { SLACK_WEBHOOK_URL: server.url }, ...io() });
    expect(code).toBe(0);
    expect(out).toContain("sent a test message to 'data' (slack); the receiver answered 200: ok");
    expect(JSON.stringify(server.requests[0]?.body)).toContain('Test notification from flowtel');
  });

  it("reports Slack's reason when it refuses (exit 1), without the URL", async () => {
    server.reply(SlackReplies.noService);
    const code = await notifyTest('data', { channels, env: { SLACK_WEBHOOK_URL: server.url }, ...io() });
    expect(code).toBe(1);
    expect(err).toContain('http 404: no_service');
    expect(out + err).not.toContain(SECRET_PATH);
  });

  it('names the variable of an unconfigured channel, and the known channels of an unknown one', async () => {
    expect(await notifyTest('data', { channels, env: {}, ...io() })).toBe(1);
    expect(err).toContain("channel 'data' (slack) is not configured: set SLACK_WEBHOOK_URL");
    expect(await notifyTest('dta', { channels, env: {}, ...io() })).toBe(1);
    expect(err).toContain("no channel named 'dta'; the rules define: data");
  });
});
