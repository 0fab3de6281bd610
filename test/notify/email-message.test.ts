import { describe, expect, it } from 'vitest';
import { buildEmail } from '../../src/notify/email/message.ts';
import { parseSmtpUrl, SmtpConfigError } from '../../src/notify/email/smtp-url.ts';
import { alert, HOSTILE, notification } from './helpers/notifications.ts';

describe('the email message', () => {
  it('has a subject with state, flow and severity, and the same facts in both bodies', () => {
    const mail = buildEmail({ channel: 'oncall', notifications: [notification()] }, '[flowtel]');
    expect(mail.subject).toBe('[flowtel] [critical] FIRING: nightly-orders Failed');
    for (const body of [mail.text, mail.html]) {
      for (const fact of [
        'nightly-orders',
        'run-123',
        'fetch-orders (attempt 3)',
        'TypeError: boom',
        'apiToken: [REDACTED]',
      ]) {
        expect(body).toContain(fact);
      }
      expect(body).toContain('http://localhost:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736');
      expect(body).toContain('fp-orders@2026-11-25T02:00:03Z');
    }
  });

  it('escapes run text in the HTML body and keeps headers on one line', () => {
    const hostile = alert({ summary: `${HOSTILE}\r\nBcc: victim@example.com`, labels: { flow: HOSTILE } });
    const mail = buildEmail({ channel: 'oncall', notifications: [notification({ alerts: [hostile] })] });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});

describe('the SMTP URL', () => {
  it('requires TLS when credentials go anywhere but loopback', () => {
    expect(parseSmtpUrl('smtp://u:p@mail.example.com:587', 'SMTP_URL')).toMatchObject({
      requireTLS: true,
      secure: false,
    });
    expect(parseSmtpUrl('smtps://u:p@mail.example.com', 'SMTP_URL')).toMatchObject({
      secure: true,
      port: 465,
    });
    expect(parseSmtpUrl('smtp://u:p@127.0.0.1:2525', 'SMTP_URL')).toMatchObject({ requireTLS: false });
    expect(parseSmtpUrl('smtp://mail.example.com', 'SMTP_URL')).toMatchObject({ requireTLS: false });
  });

  it('names the variable, never the value, when the URL is wrong', () => {
    const bad = 'http://user:hunter2secret@host';
    expect(() => parseSmtpUrl(bad, 'SMTP_URL')).toThrow(SmtpConfigError);
    try {
      parseSmtpUrl(bad, 'SMTP_URL');
    } catch (error) {
      expect((error as Error).message).toContain('SMTP_URL');
      expect((error as Error).message).not.toContain('hunter2secret');
    }
  });
});
