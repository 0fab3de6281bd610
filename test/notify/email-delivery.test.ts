import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmailChannel } from '../../src/alerts/channels.ts';
import { ManualClock } from '../../src/clock.ts';
import { createDelivery, type Delivery } from '../../src/notify/deliver.ts';
import { EmailNotifier } from '../../src/notify/email/notifier.ts';
import { InMemoryOutboxStore } from '../../src/notify/outbox/memory-store.ts';
import { SMTP_PASSWORD, type SmtpCatcher, startSmtpServer } from '../support/smtp.ts';
import { alert, HOSTILE, notification } from './helpers/notifications.ts';

const channel: EmailChannel = {
  type: 'email',
  to: ['oncall@example.com', 'data@example.com'],
  from: 'flowtel@example.com',
  smtpUrl: { env: 'SMTP_URL' },
  subjectPrefix: '[flowtel]',
};
let smtp: SmtpCatcher;
let delivery: Delivery | undefined;
let logs: string[];
let clock: ManualClock;

beforeEach(async () => {
  smtp = await startSmtpServer();
  logs = [];
  clock = new ManualClock('2026-11-25T02:00:00Z');
});
afterEach(async () => {
  await delivery?.close();
  delivery = undefined;
  await smtp.stop();
});

const start = async (smtpUrl = smtp.url) => {
  delivery = await createDelivery({
    rules: { channels: { oncall: channel } },
    env: { SMTP_URL: smtpUrl },
    store: new InMemoryOutboxStore(),
    clock,
    log: (line) => logs.push(line),
    random: () => 0,
    retry: { baseDelayMs: 100 },
    notifierOptions: { timeoutMs: 2000 },
  });
  return delivery;
};

describe('email through a real SMTP server on loopback', () => {
  it('arrives with subject, sender, recipients, a plain-text and an HTML body with the same facts', async () => {
    const d = await start();
    d.sink(notification({ channels: ['oncall'] }));
    await d.runDue();
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.subject).toBe('[flowtel] [critical] FIRING: nightly-orders Failed');
    expect(mail.from?.text).toBe('flowtel@example.com');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe(
      'oncall@example.com, data@example.com',
    );
    expect(mail.headers.get('x-flowtel-alert-ids')).toBe('fp-orders@2026-11-25T02:00:03Z');
    for (const body of [mail.text ?? '', mail.html || '']) {
      for (const fact of [
        'run-123',
        'fetch-orders (attempt 3)',
        'TypeError: boom',
        'http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
      ]) {
        expect(body).toContain(fact);
      }
    }
  });

  it('escapes hostile run text in the HTML body', async () => {
    const d = await start();
    const hostile = alert({
      summary: HOSTILE,
      facts: { ...alert().facts, error: { type: 'Error', message: '<img src=x onerror=alert(1)>' } },
    });
    d.sink(notification({ channels: ['oncall'], alerts: [hostile] }));
    await d.runDue();
    const html = smtp.messages[0]?.html || '';
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(smtp.messages[0]?.text).toContain('<img src=x onerror=alert(1)>');
  });

  it('SMTP down, then up: retried, delivered exactly once', async () => {
    const d = await start();
    await smtp.stop();
    const n = notification({ channels: ['oncall'] });
    d.sink(n);
    await d.runDue();
    const pending = d.store.get(`${n.id}/oncall`);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending?.lastError).toMatch(/^network/);
    await smtp.start();
    clock.advanceBy(100);
    await d.runDue();
    clock.advanceBy(3_600_000);
    await d.runDue();
    expect(smtp.messages).toHaveLength(1);
    expect(d.store.get(`${n.id}/oncall`)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a 4xx reply is retried, a 5xx reply is not', async () => {
    const d = await start();
    const [a, b] = [notification({ channels: ['oncall'] }), notification({ channels: ['oncall'] })];
    smtp.failNext(451);
    d.sink(a);
    await d.runDue();
    expect(d.store.get(`${a.id}/oncall`)).toMatchObject({
      status: 'pending',
      lastError: expect.stringContaining('smtp 451'),
    });
    clock.advanceBy(100);
    await d.runDue();
    expect(d.store.get(`${a.id}/oncall`)).toMatchObject({ status: 'sent', attempts: 2 });

    smtp.failNext(550);
    d.sink(b);
    await d.runDue();
    expect(d.store.get(`${b.id}/oncall`)).toMatchObject({
      status: 'failed',
      lastError: expect.stringContaining('smtp 550'),
    });
    expect(smtp.messages).toHaveLength(1);
  });

  it('never shows the SMTP password, in failures or logs', async () => {
    const wrong = smtp.url.replace(encodeURIComponent(SMTP_PASSWORD), 'wr0ng-Passw0rd-xyz');
    const outcomes = [
      await new EmailNotifier(channel, wrong, { timeoutMs: 2000 }).send({
        channel: 'oncall',
        notifications: [notification()],
      }),
      await new EmailNotifier(channel, smtp.url.replace('smtp://', 'smtpx://'), {}).send({
        channel: 'oncall',
        notifications: [notification()],
      }),
      await new EmailNotifier(channel, smtp.url.replace(/:\d+$/, ':1'), { timeoutMs: 2000 }).send({
        channel: 'oncall',
        notifications: [notification()],
      }),
    ];
    const texts = outcomes.map((o) => JSON.stringify(o));
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    for (const text of [...texts, ...logs]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(encodeURIComponent(SMTP_PASSWORD));
      expect(text).not.toContain('wr0ng-Passw0rd-xyz');
    }
    expect(outcomes[0]).toMatchObject({ ok: false, failure: { kind: 'smtp', status: 535 } });
    expect(texts[1]).toContain('SMTP_URL must start with smtp:// or smtps://');
  });
});

describe('a mail server that never answers', () => {
  it('is a timeout within the configured limit, not nodemailer’s minutes', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const notifier = new EmailNotifier(channel, `smtp://127.0.0.1:${port}`, { timeoutMs: 300 });
    try {
      const sent = notifier.send({ channel: 'oncall', notifications: [notification()] });
      const patience = new Promise<'still waiting'>((resolve) =>
        setTimeout(resolve, 20_000, 'still waiting'),
      );
      const outcome = await Promise.race([sent, patience]);
      expect(outcome).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    } finally {
      await notifier.close();
      silent.close();
    }
  });
});
