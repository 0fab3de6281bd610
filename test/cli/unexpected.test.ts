import { describe, expect, it } from 'vitest';
import { describeUnexpected } from '../../src/cli/unexpected.ts';

const env = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSecretToken123',
  SMTP_URL: 'smtp://flowtel:sm7p-S3cret-P4ss@mail.example.com:587',
  OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic dXNlcjpvdGxwLXNlY3JldA==,x-tenant=acme',
  PATH: '/usr/bin:/bin',
};
const args = [
  'run',
  'etl.ts',
  '--param',
  'apiToken=tok-123456',
  '--params-json',
  '{"db":{"password":"pw-654321"}}',
];

describe('an unexpected error, as the CLI prints it', () => {
  it('keeps the error and its stack but none of the secrets that libraries put in messages', () => {
    const error = new TypeError(
      `request to ${env.SLACK_WEBHOOK_URL} failed; smtp sm7p-S3cret-P4ss; header Basic dXNlcjpvdGxwLXNlY3JldA==; params tok-123456 pw-654321`,
    );
    const printed = describeUnexpected(error, env, args);
    expect(printed).toMatch(/^flowtel: unexpected error: TypeError: request to \[REDACTED\] failed/);
    expect(printed).toContain('unexpected.test.ts'); // the stack, for a bug report
    for (const secret of [
      'xoxSecretToken123',
      'T0SECRET',
      'sm7p-S3cret-P4ss',
      'dXNlcjpvdGxwLXNlY3JldA==',
      'tok-123456',
      'pw-654321',
    ]) {
      expect(printed).not.toContain(secret);
    }
  });

  it('leaves ordinary values alone', () => {
    expect(describeUnexpected('disk /usr/bin is full', env, args)).toBe(
      'flowtel: unexpected error: disk /usr/bin is full',
    );
  });
});
