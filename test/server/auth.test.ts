import { afterEach, expect, describe as group, it } from 'vitest';
import { createApiServer } from '../../src/server/api.ts';
import { checkBindSafety, isLoopback } from '../../src/server/auth.ts';
import { UnsafeBindError } from '../../src/server/errors.ts';
import { flowRun } from '../rules/helpers.ts';
import { jsonOf, startApi, type TestApi } from '../support/api-server.ts';
import { MemoryServeBackend } from '../support/serve-backend.ts';

const TOKEN = 's3cret-api-token-0123456789';

let api: TestApi | undefined;
afterEach(() => api?.close());

/** A backend with something to change through each endpoint. */
function preparedBackend(): MemoryServeBackend {
  const backend = new MemoryServeBackend({ rules: [{ name: 'failed', when: { type: 'flow-failed' } }] });
  backend.addFlow('etl');
  backend.addRun('r1', 'etl', 'Running', '2026-11-25T01:00:00Z');
  backend.feed(flowRun('etl', 'r0', 'Failed', '2026-11-25T02:00:00Z'));
  backend.engine.addSilence({ id: 'quiet', matchers: { flow: 'etl' }, endsAt: '2026-11-26T00:00:00Z' });
  return backend;
}

interface Change {
  readonly name: string;
  readonly method: 'POST' | 'DELETE';
  readonly path: (backend: MemoryServeBackend) => string;
  readonly body?: unknown;
  readonly status: number;
}

/** Every endpoint that changes something, with a request it accepts. */
const CHANGES: readonly Change[] = [
  {
    name: 'run now',
    method: 'POST',
    path: () => '/api/v1/flows/etl/runs',
    body: { params: {} },
    status: 201,
  },
  { name: 'cancel', method: 'POST', path: () => '/api/v1/runs/r1/cancel', status: 200 },
  {
    name: 'acknowledge',
    method: 'POST',
    path: (backend) => `/api/v1/alerts/${backend.alerts()[0]?.id}/ack`,
    status: 200,
  },
  {
    name: 'add a silence',
    method: 'POST',
    path: () => '/api/v1/silences',
    body: { matchers: { rule: 'failed' }, endsAt: '2026-11-25T05:00:00Z' },
    status: 201,
  },
  { name: 'expire a silence', method: 'DELETE', path: () => '/api/v1/silences/quiet', status: 204 },
];

function send(change: Change, headers: Record<string, string> = {}): Promise<Response> {
  const backend = api!.backend;
  return fetch(`${api!.url}${change.path(backend)}`, {
    method: change.method,
    headers: change.body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(change.body === undefined ? {} : { body: JSON.stringify(change.body) }),
  });
}

group('with a token', () => {
  it.each(CHANGES)('$name: 401 without the token, and nothing changes', async (change) => {
    api = await startApi({ backend: preparedBackend(), token: TOKEN });
    const before = JSON.stringify([api.backend.started, api.backend.silences(), api.backend.alerts()]);
    const response = await send(change);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="flowtel"');
    expect((await jsonOf(response)).error).toContain('Authorization: Bearer');
    expect(JSON.stringify([api.backend.started, api.backend.silences(), api.backend.alerts()])).toBe(before);
  });

  it.each(CHANGES)('$name: 401 with another token, which is not echoed', async (change) => {
    api = await startApi({ backend: preparedBackend(), token: TOKEN });
    const response = await send(change, { authorization: 'Bearer not-the-token' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const text = await response.text();
    expect(text).not.toContain('not-the-token');
    expect(text).not.toContain(TOKEN);
  });

  it.each(CHANGES)('$name: accepted with the token', async (change) => {
    api = await startApi({ backend: preparedBackend(), token: TOKEN });
    const response = await send(change, { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(change.status);
  });

  it('leaves reads open', async () => {
    api = await startApi({ backend: preparedBackend(), token: TOKEN });
    for (const path of ['/api/v1/runs', '/api/v1/flows', '/api/v1/alerts', '/api/v1/silences', '/healthz'])
      expect((await fetch(`${api.url}${path}`)).status, path).toBe(200);
  });

  it('guards changing extra routes too', async () => {
    let called = 0;
    api = await startApi({
      backend: preparedBackend(),
      token: TOKEN,
      extraRoutes: [
        {
          method: 'POST',
          path: '/ui/reload',
          handle: (_request, response) => {
            called++;
            response.writeHead(204).end();
          },
        },
      ],
    });
    expect((await fetch(`${api.url}/ui/reload`, { method: 'POST' })).status).toBe(401);
    expect(called).toBe(0);
    const allowed = await fetch(`${api.url}/ui/reload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(allowed.status).toBe(204);
    expect(called).toBe(1);
  });

  it('logs nothing of a refused request', async () => {
    api = await startApi({ backend: preparedBackend(), token: TOKEN });
    await send(CHANGES[0]!, { authorization: 'Bearer guessed' });
    expect(api.logged).toEqual([]);
  });
});

group('without a token, on loopback', () => {
  it.each(CHANGES)('$name: accepted from a client that is not a browser', async (change) => {
    api = await startApi({ backend: preparedBackend() });
    expect((await send(change)).status).toBe(change.status);
  });

  it.each(CHANGES)('$name: refused from a page on another site', async (change) => {
    api = await startApi({ backend: preparedBackend() });
    const response = await send(change, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect((await jsonOf(response)).error).toContain('Origin http://evil.example is not this server');
  });

  it("accepts a change from serve's own pages", async () => {
    api = await startApi({ backend: preparedBackend() });
    const response = await send(CHANGES[0]!, { origin: api.url, 'sec-fetch-site': 'same-origin' });
    expect(response.status).toBe(201);
  });

  it('refuses a page on the same machine but another port, and one the browser calls cross-site', async () => {
    api = await startApi({ backend: preparedBackend() });
    const otherPort = await send(CHANGES[0]!, { origin: 'http://127.0.0.1:3000' });
    expect(otherPort.status).toBe(403);
    const crossSite = await send(CHANGES[0]!, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
  });

  it('refuses a page that rebinds its own name to loopback (Origin and Host agree, but are not loopback)', async () => {
    api = await startApi({ backend: preparedBackend() });
    const port = new URL(api.url).port;
    // fetch does not let a test set Host; node:http does.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'DELETE',
          path: '/api/v1/silences/quiet',
          headers: { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    expect(api.backend.silences().map((s) => s.id)).toEqual(['quiet']);
  });
});

group('bind safety', () => {
  it('refuses a host beyond loopback without a token, saying what to do', () => {
    expect(() => checkBindSafety('0.0.0.0', undefined)).toThrow(UnsafeBindError);
    expect(() => checkBindSafety('192.168.1.5', '')).toThrow(
      /refusing to listen on 192\.168\.1\.5 without a token: .* Set FLOWTEL_API_TOKEN, or listen on loopback/,
    );
    expect(() => checkBindSafety('::', undefined)).toThrow(UnsafeBindError);
  });

  it('allows loopback without a token, and any host with one', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(() => checkBindSafety(host, undefined), host).not.toThrow();
    expect(() => checkBindSafety('0.0.0.0', TOKEN)).not.toThrow();
  });

  it('does not take names or addresses that only look like loopback', () => {
    for (const host of ['localhost.evil.example', '128.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', ''])
      expect(isLoopback(host), host).toBe(false);
  });

  it('is checked by the server itself before it listens', async () => {
    await expect(
      createApiServer({ backend: new MemoryServeBackend(), host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(UnsafeBindError);
  });
});
