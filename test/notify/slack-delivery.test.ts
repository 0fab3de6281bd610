import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackChannel } from '../../src/alerts/channels.ts';
import { ManualClock } from '../../src/clock.ts';
import { createDelivery, type Delivery } from '../../src/notify/deliver.ts';
import { InMemoryOutboxStore } from '../../src/notify/outbox/memory-store.ts';
import { SlackNotifier } from '../../src/notify/slack/notifier.ts';
import { SECRET_PATH, SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { captureNotificationMetric } from './helpers/metrics.ts';
import { notification } from './helpers/notifications.ts';

const channel: SlackChannel = { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } };
let server: SlackServer;
let clock: ManualClock;
let logs: string[];
let delivery: Delivery | undefined;
let metric: ReturnType<typeof captureNotificationMetric>;

beforeEach(async () => {
  server = await startSlackServer();
  clock = new ManualClock('2026-11-25T02:00:00Z');
  logs = [];
  metric = captureNotificationMetric();
});
afterEach(async () => {
  await delivery?.close();
  delivery = undefined;
  await server.close();
  await metric.stop();
});

const start = async (timeoutMs = 5_000) => {
  delivery = await createDelivery({
    rules: { channels: { data: channel } },
    env: { SLACK_WEBHOOK_URL: server.url },
    store: new InMemoryOutboxStore(),
    clock,
    log: (line) => logs.push(line),
    random: () => 0,
    retry: { baseDelayMs: 100 },
    // Generous for a loopback answer on a busy machine; the test of a timeout passes its own.
    notifierOptions: { timeoutMs },
  });
  return delivery;
};
const entry = (d: Delivery, id: string) => d.store.get(`${id}/data`);

describe('Slack through an incoming-webhook server on loopback', () => {
  it('delivers a 200 ok once and counts it as sent', async () => {
    const d = await start();
    const n = notification();
    d.sink(n);
    await d.runDue();
    expect(server.accepted()).toHaveLength(1);
    expect(server.requests[0]?.path).toBe(SECRET_PATH);
    expect(server.requests[0]?.body).toMatchObject({
      text: expect.stringContaining('nightly-orders'),
      blocks: expect.any(Array),
    });
    expect(entry(d, n.id)).toMatchObject({ status: 'sent', attempts: 1 });
    await d.runDue();
    expect(server.requests).toHaveLength(1);
    expect(await metric.read()).toEqual({ 'data/orders-failed/sent': 1 });
  });

  it('429 then 500 then 200: waits Retry-After, backs off, and delivers exactly once', async () => {
    const d = await start();
    server.reply(SlackReplies.rateLimited(7), SlackReplies.serverError);
    const n = notification();
    d.sink(n);
    await d.runDue();
    expect(entry(d, n.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: clock.now() + 7000,
    });
    expect(entry(d, n.id)?.lastError).toContain('429');

    clock.advanceBy(6999);
    await d.runDue();
    expect(server.requests).toHaveLength(1);

    clock.advanceBy(1);
    await d.runDue();
    expect(server.requests).toHaveLength(2);
    // 500: exponential backoff from baseDelayMs (random 0 → half the step).
    expect(entry(d, n.id)).toMatchObject({
      status: 'pending',
      attempts: 2,
      nextAttemptAt: clock.now() + 100,
    });

    // Due after 100 ms, but the channel's pacing (one message per second) holds it until 1 s.
    clock.advanceBy(100);
    await d.runDue();
    expect(server.requests).toHaveLength(2);
    clock.advanceBy(900);
    await d.runDue();
    expect(server.requests.map((r) => ('hang' in r.reply ? 'hang' : r.reply.status))).toEqual([
      429, 500, 200,
    ]);
    expect(server.accepted()).toHaveLength(1);
    expect(entry(d, n.id)).toMatchObject({ status: 'sent', attempts: 3 });
    clock.advanceBy(3_600_000);
    await d.runDue();
    expect(server.requests).toHaveLength(3);
    expect(await metric.read()).toEqual({ 'data/orders-failed/sent': 1 });
  });

  it('after a 429 the whole channel waits Retry-After, then sends what queued as one message', async () => {
    const d = await start();
    server.reply(SlackReplies.rateLimited(7));
    const [a, b] = [notification(), notification()];
    d.sink(a);
    await d.runDue();
    clock.advanceBy(2000);
    d.sink(b);
    await d.runDue();
    expect(server.requests).toHaveLength(1);
    clock.advanceBy(5000);
    await d.runDue();
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.body).toMatchObject({ text: expect.stringContaining('2 alerts') });
    expect([a, b].map((n) => entry(d, n.id)?.status)).toEqual(['sent', 'sent']);
  });

  it('404 no_service: not retried, keeps Slack reason, counts as failed', async () => {
    const d = await start();
    server.reply(SlackReplies.noService);
    const n = notification();
    d.sink(n);
    await d.runDue();
    clock.advanceBy(3_600_000);
    await d.runDue();
    expect(server.requests).toHaveLength(1);
    expect(entry(d, n.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(entry(d, n.id)?.lastError).toContain('http 404: no_service');
    expect(await metric.read()).toEqual({ 'data/orders-failed/failed': 1 });
    expect(logs.join('\n')).toContain('no_service');
  });

  it('a response that never comes is a timeout, retried with backoff', async () => {
    const d = await start(200);
    server.reply(SlackReplies.hang);
    const n = notification();
    d.sink(n);
    await d.runDue();
    expect(entry(d, n.id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(entry(d, n.id)?.lastError).toMatch(/^timeout/);
    clock.advanceBy(1000);
    await d.runDue();
    expect(entry(d, n.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('gives up after the attempt limit and keeps the last error', async () => {
    const d = await start();
    server.reply(...Array.from({ length: 8 }, () => SlackReplies.serverError));
    const n = notification();
    d.sink(n);
    for (let i = 0; i < 10; i++) {
      await d.runDue();
      clock.advanceBy(60_000);
    }
    expect(server.requests).toHaveLength(8);
    expect(entry(d, n.id)).toMatchObject({ status: 'failed', attempts: 8 });
    expect(entry(d, n.id)?.lastError).toContain('http 500: internal_error');
    expect(await metric.read()).toEqual({ 'data/orders-failed/failed': 1 });
  });

  it('paces a channel to one message per second and groups what queued meanwhile', async () => {
    const d = await start();
    const [a, b, c] = [notification(), notification(), notification()];
    d.sink(a);
    await d.runDue();
    d.sink(b);
    d.sink(c);
    await d.runDue();
    expect(server.requests).toHaveLength(1);
    clock.advanceBy(1000);
    await d.runDue();
    expect(server.requests).toHaveLength(2);
    const grouped = server.requests[1]?.body as { blocks: { type: string; text?: { text: string } }[] };
    expect(grouped.blocks[0]?.text?.text).toBe('🔴 2 alerts (2 firing): orders-failed');
    expect([a, b, c].map((n) => entry(d, n.id)?.status)).toEqual(['sent', 'sent', 'sent']);
    expect(await metric.read()).toEqual({ 'data/orders-failed/sent': 3 });
  });
});

describe('the Slack adapter never leaks the webhook URL', () => {
  it('in failures, logs and stored errors, whatever goes wrong', async () => {
    const secret = server.url;
    const failures: string[] = [];
    for (const url of [
      secret,
      `${secret.replace('http://', 'http://[bad')}`,
      `ftp://example.com${SECRET_PATH}`,
    ]) {
      server.reply({ status: 500, body: `oops at ${secret}` });
      const outcome = await new SlackNotifier(channel, url, { timeoutMs: 200 }).send({
        channel: 'data',
        notifications: [notification()],
      });
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) failures.push(JSON.stringify(outcome.failure));
    }
    const closed = await startSlackServer();
    const downUrl = closed.url;
    await closed.close();
    const down = await new SlackNotifier(channel, downUrl).send({
      channel: 'data',
      notifications: [notification()],
    });
    if (!down.ok) failures.push(JSON.stringify(down.failure));
    expect(failures).toHaveLength(4);
    for (const text of [...failures, ...logs]) {
      expect(text).not.toContain(SECRET_PATH);
      expect(text).not.toContain('xoxSecretToken123');
    }
    expect(failures[1]).toContain('SLACK_WEBHOOK_URL is not an http(s) URL');
    expect(failures[2]).toContain('SLACK_WEBHOOK_URL must start with http:// or https://');
    expect(failures[3]).toContain('connection refused (ECONNREFUSED)');
  });
});
