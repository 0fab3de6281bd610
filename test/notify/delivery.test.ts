import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelDefinition } from '../../src/alerts/channels.ts';
import { ManualClock } from '../../src/clock.ts';
import { createDelivery } from '../../src/notify/deliver.ts';
import { InMemoryNotifier } from '../../src/notify/memory-notifier.ts';
import { InMemoryOutboxStore } from '../../src/notify/outbox/memory-store.ts';
import { SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { captureNotificationMetric } from './helpers/metrics.ts';
import { notification } from './helpers/notifications.ts';

/** An outbox whose file is locked for its first `refusals` writes. */
class RefusingStore extends InMemoryOutboxStore {
  constructor(private refusals: number) {
    super();
  }
  override enqueue(...args: Parameters<InMemoryOutboxStore['enqueue']>): void {
    if (this.refusals-- > 0) throw new Error('database is locked');
    super.enqueue(...args);
  }
}

const root = mkdtempSync(join(tmpdir(), 'flowtel-delivery-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let homes = 0;

const channels: Record<string, ChannelDefinition> = {
  data: { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } },
  oncall: {
    type: 'email',
    to: ['oncall@example.com'],
    from: 'flowtel@example.com',
    smtpUrl: { env: 'SMTP_URL' },
  },
};

let metric: ReturnType<typeof captureNotificationMetric>;
beforeEach(() => {
  metric = captureNotificationMetric();
});
afterEach(async () => {
  await metric.stop();
});

describe('createDelivery', () => {
  it('drops what goes to a channel it has no notifier for (unset variables, not defined), saying so and counting it', async () => {
    const logs: string[] = [];
    const data = new InMemoryNotifier('slack');
    const d = await createDelivery({
      rules: { channels },
      env: {},
      store: new InMemoryOutboxStore(),
      notifiers: { data },
      log: (line) => logs.push(line),
    });
    d.sink(notification({ channels: ['data', 'oncall', 'nowhere'] }));
    await d.flush(1000);
    expect(data.messages).toHaveLength(1);
    expect(logs.join('\n')).toContain("notifies channel 'oncall', which delivery has no notifier for");
    expect(logs.join('\n')).toContain("notifies channel 'nowhere', which delivery has no notifier for");
    expect(await metric.read()).toEqual({
      'data/orders-failed/sent': 1,
      'oncall/orders-failed/dropped': 1,
      'nowhere/orders-failed/dropped': 1,
    });
    await d.close();
  });

  it('a restart after sending never sends again', async () => {
    const home = join(root, `h${++homes}`);
    const first = new InMemoryNotifier('slack');
    const d1 = await createDelivery({ rules: { channels }, env: {}, home, notifiers: { data: first } });
    d1.sink(notification());
    await d1.flush(1000);
    await d1.close();
    const second = new InMemoryNotifier('slack');
    const d2 = await createDelivery({ rules: { channels }, env: {}, home, notifiers: { data: second } });
    await d2.flush(1000);
    await d2.close();
    expect(first.messages).toHaveLength(1);
    expect(second.messages).toHaveLength(0);
  });

  it('two processes sharing the file send each notification once', async () => {
    const home = join(root, `h${++homes}`);
    const [a, b] = [new InMemoryNotifier('slack'), new InMemoryNotifier('slack')];
    const noPacing = { data: { minIntervalMs: 0, maxGroup: 1 } };
    const d1 = await createDelivery({
      rules: { channels },
      env: {},
      home,
      notifiers: { data: a },
      limits: noPacing,
    });
    const d2 = await createDelivery({
      rules: { channels },
      env: {},
      home,
      notifiers: { data: b },
      limits: noPacing,
    });
    const sent = Array.from({ length: 12 }, () => notification());
    for (const [i, n] of sent.entries()) (i % 2 === 0 ? d1 : d2).sink(n);
    await Promise.all([d1.flush(5000), d2.flush(5000)]);
    const ids = [...a.messages, ...b.messages].flatMap((m) => m.notifications.map((n) => n.id));
    expect(ids.sort()).toEqual(sent.map((n) => n.id).sort());
    await Promise.all([d1.close(), d2.close()]);
  });

  it('gives up on entries no process could send for a week (a channel removed from the rules), and says so', async () => {
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const store = new InMemoryOutboxStore();
    const logs: string[] = [];
    const options = { env: {}, clock, store, log: (line: string) => logs.push(line) };
    const before = await createDelivery({
      ...options,
      rules: { channels: { ...channels, legacy: channels.data! } },
      notifiers: {
        legacy: new InMemoryNotifier('slack', [
          { ok: false, failure: { kind: 'network', reason: 'ECONNREFUSED' } },
        ]),
      },
    });
    const stale = notification({ channels: ['legacy'] });
    before.sink(stale);
    await before.runDue();
    await before.close();

    clock.advanceBy(8 * 86_400_000);
    const recent = notification({ channels: ['legacy'] });
    store.enqueue(recent, ['legacy'], clock.now());
    const after = await createDelivery({
      ...options,
      rules: { channels },
      notifiers: { data: new InMemoryNotifier('slack') },
    });
    expect(store.get(`${stale.id}/legacy`)).toMatchObject({
      status: 'failed',
      lastError: expect.stringContaining('not sent within 7 days'),
    });
    expect(store.get(`${recent.id}/legacy`)?.status).toBe('pending');
    expect(logs.at(-1)).toContain("gave up on 1 notification(s) for channel 'legacy'");
    expect(await metric.read()).toEqual({ 'legacy/orders-failed/failed': 1 });
    await after.close();
  });

  it('holds a notification the outbox refuses (a locked file) and stores and sends it once it can', async () => {
    const store = new RefusingStore(1);
    const logs: string[] = [];
    const data = new InMemoryNotifier('slack');
    const d = await createDelivery({
      rules: { channels },
      env: {},
      store,
      notifiers: { data },
      log: (l) => logs.push(l),
    });
    const n = notification();
    expect(() => d.sink(n)).not.toThrow();
    expect(logs.join('\n')).toContain(
      "could not store the notification of rule 'orders-failed' in the outbox (database is locked)",
    );
    expect(await d.flush(1000)).toEqual({ pending: 0 });
    expect(data.messages.flatMap((m) => m.notifications.map((x) => x.id))).toEqual([n.id]);
    expect(store.get(`${n.id}/data`)?.status).toBe('sent');
    await d.close();
  });

  it('says which alerts were not delivered when the outbox never takes them, and counts them as failed', async () => {
    const logs: string[] = [];
    const d = await createDelivery({
      rules: { channels },
      env: {},
      store: new RefusingStore(Number.POSITIVE_INFINITY),
      notifiers: { data: new InMemoryNotifier('slack') },
      log: (l) => logs.push(l),
    });
    d.sink(notification());
    await d.flush(1000);
    expect(logs.at(-1)).toBe(
      "flowtel: 1 notification(s) could not be stored in the outbox and are not delivered:\n  rule 'orders-failed': nightly-orders failed: TypeError: boom",
    );
    expect(await metric.read()).toEqual({ 'data/orders-failed/failed': 1 });
    await d.close();
  });

  it('flush waits for retries due before its deadline and reports what is left', async () => {
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const failing = new InMemoryNotifier('slack', [
      { ok: false, failure: { kind: 'http', status: 503, reason: 'busy' } },
    ]);
    const d = await createDelivery({
      rules: { channels },
      env: {},
      clock,
      store: new InMemoryOutboxStore(),
      notifiers: { data: failing },
      retry: { baseDelayMs: 10_000 },
      random: () => 0,
      log: () => {},
    });
    d.sink(notification());
    // The retry is due in 5 s of fake time: a 1 s flush gives up on it, leaving it pending.
    expect(await d.flush(1000)).toEqual({ pending: 1 });
    await d.close();
  });
});

describe('webhook delivery', () => {
  let server: SlackServer;
  beforeEach(async () => {
    server = await startSlackServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('posts the versioned flowtel payload, or the Alertmanager one, with headers from the environment', async () => {
    const d = await createDelivery({
      rules: {
        channels: {
          hook: {
            type: 'webhook',
            url: { env: 'HOOK_URL' },
            format: 'flowtel',
            headers: { authorization: { env: 'HOOK_AUTH' } },
          },
          am: { type: 'webhook', url: { env: 'HOOK_URL' }, format: 'alertmanager' },
        },
      },
      env: { HOOK_URL: server.url, HOOK_AUTH: 'Bearer s3cr3t-t0ken' },
      store: new InMemoryOutboxStore(),
      log: () => {},
    });
    d.sink(notification({ channels: ['hook', 'am'] }));
    d.sink(notification({ channels: ['hook'] }));
    await d.flush(2000);
    const bodies = server.requests.map((r) => r.body as { version: string });
    expect(bodies.map((b) => b.version).sort()).toEqual(['1', '1', '4']);
    const flowtel = server.requests.find((r) => (r.body as { version: string }).version === '1');
    expect(flowtel?.headers.authorization).toBe('Bearer s3cr3t-t0ken');
    expect(flowtel?.headers['content-type']).toBe('application/json');
    await d.close();
  });

  it('does not retry a 4xx and keeps the reason, without the URL or header values', async () => {
    const logs: string[] = [];
    server.reply({ status: 403, body: `forbidden for ${server.url} with Bearer s3cr3t-t0ken` });
    const d = await createDelivery({
      rules: {
        channels: {
          hook: {
            type: 'webhook',
            url: { env: 'HOOK_URL' },
            format: 'flowtel',
            headers: { authorization: { env: 'HOOK_AUTH' } },
          },
        },
      },
      env: { HOOK_URL: server.url, HOOK_AUTH: 'Bearer s3cr3t-t0ken' },
      store: new InMemoryOutboxStore(),
      log: (line) => logs.push(line),
    });
    const n = notification({ channels: ['hook'] });
    d.sink(n);
    await d.flush(2000);
    const entry = d.store.get(`${n.id}/hook`);
    expect(entry?.status).toBe('failed');
    expect(entry?.lastError).toContain('http 403: forbidden for [REDACTED]');
    for (const text of [entry?.lastError ?? '', ...logs]) {
      expect(text).not.toContain('xoxSecretToken123');
      expect(text).not.toContain('s3cr3t-t0ken');
    }
    expect(server.requests).toHaveLength(1);
    await d.close();
  });
});

describe('flush at its deadline', () => {
  let server: SlackServer;
  beforeEach(async () => {
    server = await startSlackServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('cuts short a send Slack never answers, and the next start sends it at once', async () => {
    const home = join(root, `h${++homes}`);
    const options = {
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: server.url },
      home,
      log: () => {},
      // Far longer than the flush deadline: only the deadline can end the wait.
      notifierOptions: { timeoutMs: 60_000 },
    };
    server.reply(SlackReplies.hang);
    const first = await createDelivery(options);
    const n = notification();
    first.sink(n);
    const flushed = first.flush(300).then((result) => ({ result }));
    const patience = new Promise<'still waiting'>((resolve) => setTimeout(resolve, 20_000, 'still waiting'));
    const outcome = await Promise.race([flushed, patience]);
    expect(outcome).toEqual({ result: { pending: 1 } });
    await first.close();

    // Nothing holds the entry: the next process claims it straight away, without waiting for a lease.
    const next = await createDelivery(options);
    expect(next.store.get(`${n.id}/data`)).toMatchObject({
      status: 'pending',
      lastError: expect.stringMatching(/^interrupted/),
    });
    expect(next.store.get(`${n.id}/data`)?.claimedBy).toBeUndefined();
    expect(await next.flush(5000)).toEqual({ pending: 0 });
    await next.close();
    expect(server.requests).toHaveLength(2);
    expect(server.accepted()).toHaveLength(1);
  });
});
