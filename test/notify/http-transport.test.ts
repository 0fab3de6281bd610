import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { redactor } from '../../src/notify/redact.ts';
import { failureOfRequest, outcomeOfAnswer } from '../../src/notify/transport/classify.ts';
import { postJson } from '../../src/notify/transport/post-json.ts';

const TOKEN = 'xoxTok3nSecretValue';
const redact = redactor([`http://127.0.0.1/hooks/${TOKEN}?key=qu3rySecret`]);
const answer = (status: number, body = '', retryAfter: string | null = null) => ({
  status,
  statusText: '',
  body,
  retryAfter,
});

describe('the outcome of an HTTP answer', () => {
  it('is sent for 2xx, and an http failure keeping the receiver reason otherwise', () => {
    expect(outcomeOfAnswer(answer(200, 'ok'), redact)).toEqual({ ok: true, status: 200, response: 'ok' });
    expect(outcomeOfAnswer(answer(404, 'no_service'), redact)).toEqual({
      ok: false,
      failure: { kind: 'http', status: 404, reason: 'no_service' },
    });
    expect(outcomeOfAnswer({ ...answer(503), statusText: 'Service Unavailable' }, redact)).toMatchObject({
      failure: { reason: 'Service Unavailable' },
    });
  });

  it('passes on the raw Retry-After wait, in seconds or as an HTTP date, however long', () => {
    const wait = (value: string) => {
      const outcome = outcomeOfAnswer(answer(429, 'rate_limited', value), redact);
      return outcome.ok ? undefined : outcome.failure.retryAfterMs;
    };
    expect(wait('7')).toBe(7_000);
    expect(wait('99999999')).toBe(99_999_999_000);
    expect(wait('Wed, 01 Jan 2099 00:00:00 GMT')).toBeGreaterThan(70 * 365 * 86_400_000);
    expect(wait('soon')).toBeUndefined();
  });

  it('scrubs the URL, its path token and its query value from an answer that echoes them', () => {
    const outcome = outcomeOfAnswer(answer(403, `invalid token ${TOKEN} for key=qu3rySecret`), redact);
    expect(JSON.stringify(outcome)).not.toMatch(/xoxTok3nSecretValue|qu3rySecret/);
    expect(outcome).toMatchObject({ failure: { reason: 'invalid token [REDACTED] for key=[REDACTED]' } });
  });
});

describe('a request that got no answer', () => {
  const fetchFailed = (cause: object) => Object.assign(new TypeError('fetch failed'), { cause });

  it('names the network error by its code instead of "fetch failed"', () => {
    const refused = fetchFailed(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    );
    expect(failureOfRequest(refused, 1000, redact)).toEqual({
      kind: 'network',
      reason: 'connection refused (ECONNREFUSED)',
    });
    const unknown = fetchFailed(Object.assign(new Error(`odd failure at /hooks/${TOKEN}`), { code: 'EODD' }));
    expect(failureOfRequest(unknown, 1000, redact)).toEqual({
      kind: 'network',
      reason: 'odd failure at /hooks/[REDACTED] (EODD)',
    });
  });

  it('is a timeout past the deadline, and a config failure for a redirect or a bad certificate', () => {
    expect(failureOfRequest(new DOMException('t', 'TimeoutError'), 250, redact)).toEqual({
      kind: 'timeout',
      reason: 'no answer within 250ms',
    });
    expect(failureOfRequest(fetchFailed(new Error('unexpected redirect')), 250, redact).kind).toBe('config');
    const cert = fetchFailed(
      Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    );
    expect(failureOfRequest(cert, 250, redact)).toEqual({
      kind: 'config',
      reason: 'TLS: certificate has expired (CERT_HAS_EXPIRED)',
    });
  });
});

describe('postJson against a loopback receiver', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('refuses to follow a redirect, so the body never goes where nobody configured', async () => {
    const elsewhere: string[] = [];
    const server = createServer((req, res) => {
      if (req.url === '/elsewhere') {
        elsewhere.push(req.url);
        res.end('ok');
        return;
      }
      res.writeHead(307, { location: '/elsewhere' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const { port } = server.address() as AddressInfo;
    const outcome = await postJson({
      url: `http://127.0.0.1:${port}/hooks/${TOKEN}`,
      urlVariable: 'HOOK_URL',
      body: { hello: 'world' },
      timeoutMs: 5_000,
      redact,
    });
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'config' } });
    expect(elsewhere).toEqual([]);
  });

  it('names the variable, and nothing of its value, when the URL is not http(s)', async () => {
    const outcome = await postJson({
      url: `ftp://example.com/hooks/${TOKEN}`,
      urlVariable: 'HOOK_URL',
      body: {},
      timeoutMs: 5_000,
      redact,
    });
    expect(outcome).toEqual({
      ok: false,
      failure: { kind: 'config', reason: 'HOOK_URL must start with http:// or https://' },
    });
  });
});
