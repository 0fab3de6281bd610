import { describe, expect, it } from 'vitest';
import { processSecrets, REDACTED, SecretRegistry, secretForms } from '../src/secrets.ts';

const WEBHOOK = 'https://hooks.slack.com/services/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';
const SMTP = 'smtp://alerts:p%40ss%20w0rd!@mail.example.com:587';

describe('redaction by value', () => {
  it('replaces a webhook URL, its path and its token wherever they appear in a text', () => {
    const secrets = new SecretRegistry();
    secrets.add(WEBHOOK);
    const text = [
      `POST ${WEBHOOK} failed`,
      'path /services/T0123ABCD/B0456EFGH/xK9d2LmQpR7sTuVwYz123456 not found',
      'invalid_token xK9d2LmQpR7sTuVwYz123456',
      `encoded ${encodeURIComponent(WEBHOOK)}`,
    ].join('\n');
    const out = secrets.redact(text);
    expect(out).not.toContain('xK9d2LmQpR7sTuVwYz123456');
    expect(out).not.toContain('hooks.slack.com/services');
    expect(out.split(REDACTED)).toHaveLength(5);
  });

  it('replaces an SMTP password in its encoded and decoded forms', () => {
    const secrets = new SecretRegistry();
    secrets.add(SMTP);
    const out = secrets.redact('auth failed for p%40ss%20w0rd! and for p@ss w0rd!');
    expect(out).toBe(`auth failed for ${REDACTED} and for ${REDACTED}`);
  });

  it('leaves ordinary words of a URL alone, so texts around them stay readable', () => {
    expect(secretForms(WEBHOOK)).not.toContain('services');
    const secrets = new SecretRegistry();
    secrets.add(WEBHOOK);
    expect(secrets.redact('the services are up')).toBe('the services are up');
  });

  it('takes the credential of a Bearer header value alone too', () => {
    const secrets = new SecretRegistry();
    secrets.add('Bearer eyJhbGciOiJIUzI1NiJ9.abc');
    expect(secrets.redact('token eyJhbGciOiJIUzI1NiJ9.abc expired')).toBe(`token ${REDACTED} expired`);
  });

  it('ignores values too short to be told from ordinary text', () => {
    const secrets = new SecretRegistry();
    secrets.add('abc');
    secrets.add('');
    secrets.add(undefined);
    expect(secrets.size).toBe(0);
    expect(secrets.redact('abc')).toBe('abc');
  });

  it('redacts every string inside a JSON-like value without touching the original', () => {
    const secrets = new SecretRegistry();
    secrets.add('s3cr3t-value');
    const value = { error: { message: 'bad s3cr3t-value' }, list: ['s3cr3t-value', 3], n: 1 };
    expect(secrets.redactDeep(value)).toEqual({
      error: { message: `bad ${REDACTED}` },
      list: [REDACTED, 3],
      n: 1,
    });
    expect(value.error.message).toBe('bad s3cr3t-value');
  });

  it('treats regular-expression characters in a secret as plain text', () => {
    const secrets = new SecretRegistry();
    secrets.add('a.b*c+d?(e)');
    expect(secrets.redact('x a.b*c+d?(e) y aXbbcd')).toBe(`x ${REDACTED} y aXbbcd`);
  });

  it('is one registry per process, shared by every copy of flowtel', () => {
    expect(processSecrets()).toBe(processSecrets());
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('flowtel.secrets.v1')]).toBe(processSecrets());
  });
});
