import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmailChannel } from '../../src/alerts/channels.ts';
import type { Alert } from '../../src/alerts/types.ts';
import { ConsoleNotifier } from '../../src/notify/console/notifier.ts';
import { EmailNotifier } from '../../src/notify/email/notifier.ts';
import { SlackLimits } from '../../src/notify/slack/escape.ts';
import { SlackNotifier } from '../../src/notify/slack/notifier.ts';
import type { Message, Notifier, SendOutcome } from '../../src/notify/types.ts';
import { WebhookLimits } from '../../src/notify/webhook/limits.ts';
import { WebhookNotifier } from '../../src/notify/webhook/notifier.ts';
import { SECRET_PATH, startSlackServer } from '../support/slack-server.ts';
import { SMTP_PASSWORD, startSmtpServer } from '../support/smtp.ts';
import { alert, HOSTILE, notification } from './helpers/notifications.ts';

/**
 * The checks every channel passes, run once per channel against a real receiver on loopback (the way
 * Alertmanager runs `test.AssertNotifyLeaksNoSecret` for each notifier): oversized run text arrives cut
 * within the channel's limits, with a marker; hostile run text arrives as text; and no secret of the
 * channel's configuration is in the message or in any failure, whatever the receiver answers.
 */

/** One channel with its receiver: what it received, as text, and how to make it fail. */
interface Harness {
  readonly notifier: Notifier;
  /** Everything the receiver got, one string per message (a Slack/webhook body, a mail's parts). */
  received(): string[];
  /** Characters one message of a single alert may take at most, however large its run text. */
  readonly maxChars: number;
  /** Channel-specific limits (Slack's per-block ones), checked on a received message. */
  withinLimits(received: string): void;
  /** Hostile run text (`HOSTILE` with a terminal escape) arrived as text in `received`. */
  heldAsText(received: string): void;
  close(): Promise<void>;
}

interface Receiver extends Harness {
  /** Values of the channel's configuration that must appear nowhere: URLs, their tokens, passwords. */
  readonly secrets: readonly string[];
  /** Sends that fail each way this receiver can fail, some with answers that echo the secrets. */
  failures(): Promise<SendOutcome[]>;
}

const TIMEOUT = { timeoutMs: 5_000 };
const message = (...alerts: Alert[]): Message => ({
  channel: 'data',
  notifications: [notification({ alerts })],
});

/** An error of 8 MB, a summary of 100 KB, a label, an annotation and a parameter of 50 KB each. */
function oversized(): Alert {
  const base = alert();
  return alert({
    summary: `nightly-orders failed: ${'S'.repeat(100_000)}`,
    labels: { ...base.labels, customer: 'L'.repeat(50_000) },
    annotations: { ...base.annotations, description: 'D'.repeat(50_000) },
    facts: {
      ...base.facts,
      error: { type: 'Error', message: `insert failed: ${'E'.repeat(8_000_000)}` },
      params: { day: '2026-11-24', note: 'P'.repeat(50_000) },
    },
  });
}

const TERMINAL_ESCAPE = '\u001b[2J\u001b[31m\r';
function hostile(): Alert {
  const base = alert();
  return alert({
    summary: `${HOSTILE}${TERMINAL_ESCAPE}`,
    labels: { ...base.labels, customer: HOSTILE },
    facts: { ...base.facts, error: { type: 'Error', message: HOSTILE } },
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function slackHarness(): Promise<Receiver> {
  const server = await startSlackServer();
  const channel = { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } } as const;
  const token = SECRET_PATH.split('/').at(-1) ?? '';
  const notifier = new SlackNotifier(channel, server.url, TIMEOUT);
  return {
    notifier,
    received: () => server.accepted().map((r) => JSON.stringify(r.body)),
    maxChars: 40_000,
    withinLimits(received) {
      const body = JSON.parse(received) as { text: string; blocks: SlackBlock[] };
      expect(body.text.length).toBeLessThanOrEqual(SlackLimits.FALLBACK_TEXT);
      expect(body.blocks.length).toBeLessThanOrEqual(SlackLimits.BLOCKS);
      for (const block of body.blocks) {
        if (block.type === 'header') expect(block.text?.text.length).toBeLessThanOrEqual(SlackLimits.HEADER);
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SlackLimits.SECTION_TEXT);
        for (const field of block.fields ?? [])
          expect(field.text.length).toBeLessThanOrEqual(SlackLimits.FIELD);
        for (const element of block.elements ?? []) {
          if (element.text !== undefined && typeof element.text === 'string')
            expect(element.text.length).toBeLessThanOrEqual(SlackLimits.CONTEXT_TEXT);
        }
      }
    },
    heldAsText(received) {
      expect(received).not.toContain('<!channel>');
      expect(received).not.toContain('<script>');
      expect(received).toContain('&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;script&gt;');
    },
    secrets: [server.url, SECRET_PATH, token],
    async failures() {
      const echo = `invalid token ${token} for ${server.url} (${SECRET_PATH})`;
      server.reply({ status: 403, body: echo }, { status: 500, body: echo });
      const down = await closedPort();
      return [
        await notifier.send(message(alert())),
        await notifier.send(message(alert())),
        await new SlackNotifier(channel, `http://127.0.0.1:${down}${SECRET_PATH}`, TIMEOUT).send(
          message(alert()),
        ),
        await new SlackNotifier(channel, `ftp://127.0.0.1${SECRET_PATH}`, TIMEOUT).send(message(alert())),
      ];
    },
    close: () => server.close(),
  };
}

interface SlackBlock {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { text?: unknown }[];
}

async function webhookHarness(): Promise<Receiver> {
  const server = await startSlackServer();
  const url = `${server.url}?key=qu3ryS3cretKey`;
  const header = 'Bearer hdrS3cretValue42';
  const channel = {
    type: 'webhook',
    url: { env: 'HOOK_URL' },
    format: 'flowtel',
    headers: { authorization: { env: 'HOOK_TOKEN' } },
  } as const;
  const notifier = new WebhookNotifier(channel, url, { authorization: header }, TIMEOUT);
  return {
    notifier,
    received: () => server.accepted().map((r) => JSON.stringify(r.body)),
    maxChars: 150_000,
    withinLimits(received) {
      const strings: string[] = [];
      JSON.parse(received, (key, value) => {
        strings.push(key);
        if (typeof value === 'string') strings.push(value);
        return value;
      });
      for (const text of strings) expect(text.length).toBeLessThanOrEqual(WebhookLimits.TEXT);
    },
    heldAsText(received) {
      // JSON carries run text unchanged: a receiver gets exactly what the run said.
      const body = JSON.parse(received) as { notifications: { alerts: { summary: string }[] }[] };
      expect(body.notifications[0]?.alerts[0]?.summary).toBe(`${HOSTILE}${TERMINAL_ESCAPE}`);
    },
    secrets: [url, SECRET_PATH, 'xoxSecretToken123', 'qu3ryS3cretKey', header, 'hdrS3cretValue42'],
    async failures() {
      const echo = `bad key qu3ryS3cretKey with ${header} at ${url}`;
      server.reply({ status: 401, body: echo }, { status: 503, body: echo });
      const down = await closedPort();
      return [
        await notifier.send(message(alert())),
        await notifier.send(message(alert())),
        await new WebhookNotifier(channel, `http://127.0.0.1:${down}${SECRET_PATH}`, {}, TIMEOUT).send(
          message(alert()),
        ),
      ];
    },
    close: () => server.close(),
  };
}

async function emailHarness(): Promise<Receiver> {
  const smtp = await startSmtpServer();
  const channel: EmailChannel = {
    type: 'email',
    to: ['oncall@example.com'],
    from: 'flowtel@example.com',
    smtpUrl: { env: 'SMTP_URL' },
  };
  const notifier = new EmailNotifier(channel, smtp.url, TIMEOUT);
  return {
    notifier,
    received: () => smtp.messages.map((m) => [m.subject ?? '', m.text ?? '', m.html || ''].join('\n')),
    maxChars: 200_000,
    withinLimits(received) {
      expect(received.split('\n')[0]?.length).toBeLessThanOrEqual(250);
    },
    heldAsText(received) {
      const html = received.slice(received.indexOf('<!doctype html>'));
      expect(html).not.toContain('<script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(received.split('\n')[0]).not.toMatch(/[\r\n]/);
    },
    secrets: [smtp.url, SMTP_PASSWORD, encodeURIComponent(SMTP_PASSWORD), 'wr0ng-Passw0rd-xyz'],
    async failures() {
      smtp.failNext(552);
      const wrong = smtp.url.replace(encodeURIComponent(SMTP_PASSWORD), 'wr0ng-Passw0rd-xyz');
      const down = smtp.url.replace(/:\d+$/, `:${await closedPort()}`);
      const others = [wrong, down, smtp.url.replace('smtp://', 'http://')];
      const outcomes = [await notifier.send(message(alert()))];
      for (const url of others) {
        const other = new EmailNotifier(channel, url, TIMEOUT);
        outcomes.push(await other.send(message(alert())));
        await other.close();
      }
      return outcomes;
    },
    async close() {
      await notifier.close();
      await smtp.stop();
    },
  };
}

async function consoleHarness(): Promise<Harness> {
  const printed: string[] = [];
  return {
    notifier: new ConsoleNotifier({
      write: (text) => printed.push(text),
      unconfigured: new Map([['data', ['SLACK_WEBHOOK_URL']]]),
    }),
    received: () => printed,
    maxChars: 40_000,
    withinLimits(received) {
      expect(received).toContain("channel 'data' is not configured: set SLACK_WEBHOOK_URL");
    },
    heldAsText(received) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is checked
      expect(received).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
      expect(received).toContain(HOSTILE);
    },
    close: async () => {},
  };
}

const receivers = { slack: slackHarness, webhook: webhookHarness, email: emailHarness };
const channels = { ...receivers, console: consoleHarness };

let open: Harness | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});
async function start<H extends Harness>(make: () => Promise<H>): Promise<H> {
  const harness = await make();
  open = harness;
  return harness;
}

describe.each(Object.entries(channels))('the %s channel', (_name, make) => {
  it("cuts oversized run text within the channel's limits, and says it was cut", async () => {
    const h = await start(make);
    const outcome = await h.notifier.send(message(oversized()));
    expect(outcome.ok).toBe(true);
    const [received] = h.received();
    expect(received).toBeDefined();
    expect(received?.length).toBeLessThanOrEqual(h.maxChars);
    expect(received).toMatch(/… \[cut, \d+ more characters\]/);
    h.withinLimits(received ?? '');
  });

  it('delivers hostile run text as text: no mention, link, markup or terminal escape gets through', async () => {
    const h = await start(make);
    expect((await h.notifier.send(message(hostile()))).ok).toBe(true);
    const [received] = h.received();
    h.heldAsText(received ?? '');
  });
});

describe.each(Object.entries(receivers))('the %s channel and its secrets', (_name, make) => {
  it('puts no URL, token or password of its configuration into the message', async () => {
    const h = await start(make);
    expect((await h.notifier.send(message(alert()))).ok).toBe(true);
    for (const secret of h.secrets) expect(h.received().join('\n')).not.toContain(secret);
  });

  it('puts none into a failure either, whatever the receiver answers or when it is down', async () => {
    const h = await start(make);
    const outcomes = await h.failures();
    expect(outcomes.length).toBeGreaterThan(1);
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(false);
      const text = JSON.stringify(outcome);
      for (const secret of h.secrets) expect(text).not.toContain(secret);
    }
  });
});
