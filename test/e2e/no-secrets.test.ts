import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatedReceiver, startGatedReceiver } from '../notify/helpers/gated-receiver.ts';
import { runCli, tempDir } from '../support/cli.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { SECRET_PATH, type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { SMTP_PASSWORD, type SmtpCatcher, startSmtpServer } from '../support/smtp.ts';

const FLOW = resolve(import.meta.dirname, 'fixtures/leaky.ts');
const HOOK_TOKEN = 'wh-T0ken-7788zz';
const HOOK_QUERY = 'qu3ryS3cret';
const API_TOKEN = 'tok-5e6f7a8b9c0d';
const CUSTOMER_CODE = 'cust-X9Y8Z7';

const RULES = `
channels:
  slack: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }
  mail: { type: email, to: [oncall@example.com], from: flowtel@example.com, smtpUrl: { env: SMTP_URL } }
  hook: { type: webhook, url: { env: HOOK_URL } }
rules:
  - name: leaky-failed
    when: { type: flow-failed }
    notify: [slack, mail, hook]
`;

let slack: SlackServer;
let smtp: SmtpCatcher;
let hook: GatedReceiver;
let otlp: OtlpReceiver;
beforeAll(async () => {
  [slack, smtp, hook, otlp] = await Promise.all([
    startSlackServer(),
    startSmtpServer(),
    startGatedReceiver({ held: false }),
    startOtlpReceiver(),
  ]);
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.stop(), hook.close(), otlp.close()]);
});

function bigintSafe(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item));
}

describe('a run whose code puts every secret it knows into its error', () => {
  it('lets none of them out: not to the terminal, the record, OTLP, flowtel.db, Slack, email or the webhook', async () => {
    const cwd = tempDir();
    const home = join(cwd, '.flowtel');
    writeFileSync(join(cwd, 'alerts.yaml'), RULES);
    const recordFile = join(cwd, 'run.jsonl');
    const env = {
      SLACK_WEBHOOK_URL: slack.url,
      SMTP_URL: smtp.url,
      HOOK_URL: `${hook.url}/hooks/${HOOK_TOKEN}?key=${HOOK_QUERY}`,
      FLOWTEL_HOME: home,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_METRICS_EXPORTER: 'none',
    };

    const run = await runCli(
      [
        'run',
        FLOW,
        '--rules',
        cwd,
        '--record',
        recordFile,
        '--param',
        `apiToken=${API_TOKEN}`,
        '--param',
        `customerCode=${CUSTOMER_CODE}`,
      ],
      { env, cwd },
    );

    expect(run.code).toBe(1);
    // Every receiver got its alert, so every output below was really written.
    expect(slack.accepted()).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    expect(hook.bodies).toHaveLength(1);
    expect(otlp.spans.length).toBeGreaterThan(0);
    const outputs: Record<string, string> = {
      stdout: run.stdout,
      stderr: run.stderr,
      record: readFileSync(recordFile, 'utf8'),
      otlp: bigintSafe({ spans: otlp.spans, logs: otlp.logs }),
      store: readdirSync(home)
        .map((file) => readFileSync(join(home, file)).toString('latin1'))
        .join('\n'),
      slack: bigintSafe(slack.requests.map((request) => request.body)),
      email: smtp.messages.map((mail) => `${mail.subject}\n${mail.text}\n${mail.html}`).join('\n'),
      webhook: hook.bodies.join('\n'),
    };
    for (const [output, text] of Object.entries(outputs)) {
      for (const secret of [
        SECRET_PATH.split('/').at(-1)!,
        'T0SECRET/B0SECRET',
        SMTP_PASSWORD,
        encodeURIComponent(SMTP_PASSWORD),
        HOOK_TOKEN,
        HOOK_QUERY,
        API_TOKEN,
        CUSTOMER_CODE,
      ]) {
        expect(text, `${output} holds ${secret}`).not.toContain(secret);
      }
    }
    // The error is still told, with its secrets replaced.
    expect(outputs.slack).toContain('[REDACTED]');
    expect(outputs.record).toContain('token [REDACTED]; customer [REDACTED]');
  }, 120_000);
});
