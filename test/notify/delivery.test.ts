import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelDefinition } from '../../src/alerts/channels.ts';
import { ManualClock } from '../../src/clock.ts';
import { ANSWER_GRACE_MS, createDelivery } from '../../src/notify/deliver.ts';
import { InMemoryNotifier } from '../../src/notify/memory-notifier.ts';
import { InMemoryOutboxStore } from '../../src/notify/outbox/memory-store.ts';
import { SlackReplies, type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { startGatedReceiver } from './helpers/gated-receiver.ts';
import { captureNotificationMetric } from './helpers/metrics.ts';
import { alert, notification } from './helpers/notifications.ts';

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

/** An outbox whose file is locked for its first `refusals` marks of a sent entry. */
class UnmarkableStore extends InMemoryOutboxStore {
  constructor(private refusals: number) {
    super();
  }
  override markSent(...args: Parameters<InMemoryOutboxStore['markSent']>): void {
    if (this.refusals-- > 0) throw new Error('database is locked');
    super.markSent(...args);
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
      lastError: expect.stringContaining('not sent within 7 days, and no rules file defines its channel'),
    });
    expect(store.get(`${recent.id}/legacy`)?.status).toBe('pending');
    expect(logs.at(-1)).toContain("gave up on 1 notification(s) for channel 'legacy'");
    expect(await metric.read()).toEqual({ 'legacy/orders-failed/failed': 1 });
    await after.close();
  });

  it('keeps a week-old alert of a channel still in the rules and sends it when the receiver is back (a weekly job after a Slack outage)', async () => {
    const server = await startSlackServer();
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const options = {
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: server.url },
      home: join(root, `h${++homes}`),
      clock,
      log: () => {},
    };
    server.reply(SlackReplies.serverError);
    const lastWeek = await createDelivery(options);
    const n = notification();
    lastWeek.sink(n);
    await lastWeek.flush(1000);
    await lastWeek.close();
    expect(server.accepted()).toHaveLength(0);

    clock.advanceBy(7 * 86_400_000 + 3_600_000);
    const thisWeek = await createDelivery(options);
    expect(await thisWeek.flush(1000)).toEqual({ pending: 0 });
    await thisWeek.close();
    await server.close();
    expect(server.accepted()).toHaveLength(1);
    expect(await metric.read()).toEqual({ 'data/orders-failed/sent': 1 });
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

  it('holds the mark of a delivered notification the outbox refuses (a locked file) and writes it once it can, never sending again', async () => {
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const logs: string[] = [];
    const data = new InMemoryNotifier('slack');
    const store = new UnmarkableStore(2);
    const d = await createDelivery({
      rules: { channels },
      env: {},
      clock,
      store,
      notifiers: { data },
      log: (l) => logs.push(l),
    });
    const n = notification();
    d.sink(n);
    await d.runDue();
    expect(logs).toEqual([
      "flowtel: could not mark 1 delivered notification(s) of channel 'data' sent (database is locked); holding the mark until the file takes writes again",
    ]);
    expect(store.get(`${n.id}/data`)?.status).toBe('pending');
    await d.runDue(); // still locked
    clock.advanceBy(1000);
    await d.runDue();
    expect(store.get(`${n.id}/data`)?.status).toBe('sent');
    expect(data.messages).toHaveLength(1);
    expect(await metric.read()).toEqual({ 'data/orders-failed/sent': 1 });
    await d.close();
  });

  it('says so when a delivered notification could never be marked sent before exit', async () => {
    const logs: string[] = [];
    const d = await createDelivery({
      rules: { channels },
      env: {},
      clock: new ManualClock('2026-11-25T02:00:00Z'),
      store: new UnmarkableStore(Number.POSITIVE_INFINITY),
      notifiers: { data: new InMemoryNotifier('slack') },
      log: (l) => logs.push(l),
    });
    d.sink(notification());
    await d.runDue();
    await d.close();
    expect(logs.at(-1)).toBe(
      'flowtel: 1 notification(s) were delivered but could not be marked sent (database is locked); the next flowtel process may send them again',
    );
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

describe('a grouped message the receiver refuses', () => {
  it('is sent again member by member, so only the member it refuses fails', async () => {
    const receiver = await startGatedReceiver({
      held: false,
      refuse: (body) =>
        body.includes('poisoned-flow') ? { status: 400, body: 'invalid_blocks' } : undefined,
    });
    const logs: string[] = [];
    const d = await createDelivery({
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: receiver.url },
      home: join(root, `h${++homes}`),
      limits: { data: { minIntervalMs: 0 } },
      log: (line) => logs.push(line),
    });
    const poisoned = alert({ labels: { flow: 'poisoned-flow' }, summary: 'poisoned-flow failed' });
    const [before, culprit, after] = [notification(), notification({ alerts: [poisoned] }), notification()];
    for (const n of [before, culprit, after]) d.sink(n);
    expect(await d.flush(5000)).toEqual({ pending: 0 });
    expect(receiver.bodies).toHaveLength(4);
    expect(d.store.get(`${before.id}/data`)?.status).toBe('sent');
    expect(d.store.get(`${after.id}/data`)?.status).toBe('sent');
    expect(d.store.get(`${culprit.id}/data`)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('http 400: invalid_blocks'),
    });
    expect(logs[0]).toBe(
      "flowtel: channel 'data' refused a grouped message of 3 notifications (http 400: invalid_blocks); sending each alone",
    );
    expect(await metric.read()).toEqual({ 'data/orders-failed/sent': 2, 'data/orders-failed/failed': 1 });
    await d.close();
    await receiver.close();
  });

  it('by email too: the mail server refusing the grouped mail (552) loses only the member it refuses', async () => {
    const smtp = await startSmtpServer();
    const d = await createDelivery({
      rules: { channels },
      env: { SMTP_URL: smtp.url },
      home: join(root, `h${++homes}`),
      log: () => {},
    });
    const oncall = { channels: ['oncall'] };
    const [culprit, small, other] = [notification(oncall), notification(oncall), notification(oncall)];
    // The grouped mail, then the culprit alone (the oldest, sent alone first) exceed the server's size.
    smtp.failNext(552, 552);
    for (const n of [culprit, small, other]) d.sink(n);
    expect(await d.flush(5000)).toEqual({ pending: 0 });
    expect(smtp.messages).toHaveLength(2);
    expect(d.store.list().map((e) => [e.id, e.status])).toEqual([
      [`${culprit.id}/oncall`, 'failed'],
      [`${small.id}/oncall`, 'sent'],
      [`${other.id}/oncall`, 'sent'],
    ]);
    await d.close();
    await smtp.stop();
  });
});

describe('Slack asking to wait a long time (429 with Retry-After)', () => {
  let server: SlackServer;
  beforeEach(async () => {
    server = await startSlackServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const hour = 3_600_000;
  it.each([
    ['3601 seconds', '3601', 3_601_000, 'waiting 1h as it asked'],
    ['99999999 seconds', '99999999', 24 * hour, 'it asked to wait 1157d 9h, flowtel waits at most 1d'],
    ['an HTTP date in 2099', 'Thu, 01 Jan 2099 00:00:00 GMT', 24 * hour, 'flowtel waits at most 1d'],
  ])(
    'keeps the alert pending for %s (at most a day), says so, and sends it when the wait is over',
    async (_name, retryAfter, waitMs, said) => {
      const clock = new ManualClock('2026-11-25T02:00:00Z');
      const logs: string[] = [];
      server.reply({ status: 429, body: 'rate_limited', headers: { 'retry-after': retryAfter } });
      const d = await createDelivery({
        rules: { channels },
        env: { SLACK_WEBHOOK_URL: server.url },
        home: join(root, `h${++homes}`),
        clock,
        log: (line) => logs.push(line),
      });
      const n = notification();
      d.sink(n);
      expect(await d.flush(1000)).toEqual({ pending: 1 });
      expect(server.requests).toHaveLength(1);
      expect(d.store.get(`${n.id}/data`)).toMatchObject({
        status: 'pending',
        nextAttemptAt: clock.now() + waitMs,
        lastError: 'http 429: rate_limited',
      });
      const until = new Date(clock.now() + waitMs).toISOString();
      const line = logs.find((l) =>
        l.startsWith("flowtel: channel 'data' is rate limited (http 429: rate_limited): "),
      );
      expect(line).toContain(said);
      expect(line).toMatch(new RegExp(`; 1 notification\\(s\\) stay pending until ${until}$`));

      clock.advanceBy(waitMs);
      await d.runDue();
      expect(server.accepted()).toHaveLength(1);
      expect(d.store.get(`${n.id}/data`)?.status).toBe('sent');
      await d.close();
    },
  );
});

describe('flush at its deadline', () => {
  let server: SlackServer;
  beforeEach(async () => {
    server = await startSlackServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('marks sent what the receiver answers after the deadline, within the grace, so no later process sends it again', async () => {
    const receiver = await startGatedReceiver({ held: true });
    const clock = new ManualClock(Date.now());
    const options = {
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: receiver.url },
      home: join(root, `h${++homes}`),
      clock,
      log: () => {},
    };
    const first = await createDelivery(options);
    const n = notification();
    first.sink(n);
    const flushed = first.flush(3000);
    await receiver.received(1);
    // The deadline passes with the send in flight; the receiver answers during the grace.
    clock.advanceBy(3000);
    receiver.answer();
    expect(await flushed).toEqual({ pending: 0 });
    expect(first.store.get(`${n.id}/data`)).toMatchObject({ status: 'sent', attempts: 1 });
    await first.close();

    const next = await createDelivery(options);
    expect(await next.flush(1000)).toEqual({ pending: 0 });
    await next.close();
    await receiver.close();
    expect(receiver.bodies).toHaveLength(1);
  });

  it('cuts short a send still unanswered when the grace is over, leaving it pending and free for the next start', async () => {
    const receiver = await startGatedReceiver({ held: true });
    const clock = new ManualClock(Date.now());
    const d = await createDelivery({
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: receiver.url },
      home: join(root, `h${++homes}`),
      clock,
      log: () => {},
    });
    const n = notification();
    d.sink(n);
    const flushed = d.flush(3000);
    await receiver.received(1);
    clock.advanceBy(3000);
    clock.advanceBy(ANSWER_GRACE_MS);
    expect(await flushed).toEqual({ pending: 1 });
    expect(d.store.get(`${n.id}/data`)).toMatchObject({
      status: 'pending',
      lastError: expect.stringMatching(/^interrupted/),
    });
    expect(d.store.get(`${n.id}/data`)?.claimedBy).toBeUndefined();
    await d.close();
    await receiver.close();
  });

  it('counts as not delivered only its own entries, not one another process is sending', async () => {
    const receiver = await startGatedReceiver({ held: true });
    const home = join(root, `h${++homes}`);
    const sending = await createDelivery({
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: receiver.url },
      home,
      log: () => {},
    });
    sending.sink(notification());
    await receiver.received(1);

    const other = await createDelivery({
      rules: { channels },
      env: {},
      home,
      notifiers: { data: new InMemoryNotifier('slack') },
      log: () => {},
    });
    other.sink(notification());
    expect(await other.flush(1000)).toEqual({ pending: 0 });
    await other.close();

    receiver.answer();
    expect(await sending.flush(5000)).toEqual({ pending: 0 });
    await sending.close();
    await receiver.close();
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
    expect(await next.flush(20_000)).toEqual({ pending: 0 });
    await next.close();
    expect(server.requests).toHaveLength(2);
    expect(server.accepted()).toHaveLength(1);
  });
});
