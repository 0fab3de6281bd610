import { trace } from '@opentelemetry/api';
import { flow, log, task } from 'flowtel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setupTelemetry, shutdownTelemetry } from '../../src/otel/index.ts';
import { processSecrets } from '../../src/secrets.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { setEnv } from './env.ts';

const WEBHOOK = 'https://hooks.example.com/services/T0123ABCD/B0456EFGH/xK9d2LmQpR7sTuVwYz123456';
const TOKEN = 'xK9d2LmQpR7sTuVwYz123456';

let receiver: OtlpReceiver;
let restoreEnv: () => void = () => {};
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await shutdownTelemetry();
  restoreEnv();
  await receiver.close();
});

const post = task('post', async () => {
  // A user's own span, as an HTTP auto-instrumentation would make it.
  trace.getTracer('user').startActiveSpan('POST', (span) => {
    span.setAttribute('url.full', WEBHOOK);
    span.end();
  });
  log.info(`posting to ${WEBHOOK}`, { target: WEBHOOK });
  throw new Error(`POST ${WEBHOOK} answered 404 (token ${TOKEN} revoked)`);
});
const notifyFlow = flow({ name: 'notify' }, async () => {
  await post();
});

describe.each(['http/protobuf', 'http/json'])('spans and log records exported over %s', (protocol) => {
  it('carry no known secret, in any attribute, event, status or body', async () => {
    processSecrets().add(WEBHOOK);
    restoreEnv = setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
    await setupTelemetry({ serviceName: 'redaction' });
    await notifyFlow.run();
    await shutdownTelemetry();

    const exported = JSON.stringify({ spans: receiver.spans, logs: receiver.logs }, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    expect(receiver.spans.map((span) => span.name).sort()).toEqual(['POST', 'flow notify', 'task post']);
    expect(receiver.logs.length).toBeGreaterThan(0);
    expect(exported).toContain('[REDACTED]');
    expect(exported).not.toContain(TOKEN);
    expect(exported).not.toContain('T0123ABCD/B0456EFGH');
    // What is not secret stays readable.
    expect(exported).toContain('answered 404');
  });
});
