import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, expect, describe as group, it } from 'vitest';
import { z } from 'zod';
import { flowRun } from '../rules/helpers.ts';
import { jsonOf, startApi, type TestApi } from '../support/api-server.ts';
import { MemoryServeBackend } from '../support/serve-backend.ts';

let api: TestApi;
afterEach(() => api.close());

async function start(backend = new MemoryServeBackend(), maxBodyBytes?: number): Promise<TestApi> {
  api = await startApi(maxBodyBytes === undefined ? { backend } : { backend, maxBodyBytes });
  return api;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

function withFlows(): MemoryServeBackend {
  const backend = new MemoryServeBackend();
  backend.addFlow('etl', { params: z.strictObject({ day: z.string() }) });
  backend.addFlow('legacy', { runnable: false });
  return backend;
}

group('run now', () => {
  it('starts a run with its parameters and answers 201 with where to find it', async () => {
    await start(withFlows());
    const { status, body, headers } = await call('POST', '/api/v1/flows/etl/runs', {
      params: { day: 'mon' },
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ flow: 'etl', source: 'api', state: { name: 'Pending' } });
    expect(headers.get('location')).toBe(`/api/v1/runs/${body.id}`);
    expect(api.backend.started).toEqual([{ flow: 'etl', params: { day: 'mon' } }]);
    expect((await call('GET', headers.get('location')!)).body.params).toEqual({ day: 'mon' });
  });

  it('takes an empty body as a run without parameters', async () => {
    const backend = new MemoryServeBackend();
    backend.addFlow('plain');
    await start(backend);
    const response = await fetch(`${api.url}/api/v1/flows/plain/runs`, { method: 'POST' });
    expect(response.status).toBe(201);
    expect(api.backend.started).toEqual([{ flow: 'plain', params: {} }]);
  });

  it('maps what the backend refuses to 404, 409 and 422 with the problems', async () => {
    await start(withFlows());
    expect(await call('POST', '/api/v1/flows/nope/runs', {})).toMatchObject({
      status: 404,
      body: { error: "no flow 'nope'" },
    });
    expect((await call('POST', '/api/v1/flows/legacy/runs', {})).status).toBe(409);
    const invalid = await call('POST', '/api/v1/flows/etl/runs', { params: { day: 5 } });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({
      error: "invalid parameters for flow 'etl'",
      details: [{ path: 'day', message: expect.any(String) }],
    });
    expect(api.backend.started).toEqual([]);
  });

  it('refuses a body with unknown keys, naming them', async () => {
    await start(withFlows());
    const { status, body } = await call('POST', '/api/v1/flows/etl/runs', { parmas: { day: 'mon' } });
    expect(status).toBe(400);
    expect(body).toEqual({
      error: "invalid run request: unknown key 'parmas'",
      details: [{ path: '', message: "unknown key 'parmas'" }],
    });
  });
});

group('request bodies', () => {
  const post = (headers: Record<string, string>, body: string | Buffer) =>
    fetch(`${api.url}/api/v1/silences`, { method: 'POST', headers, body });

  it('answers 415 for a body that is not JSON, or compressed', async () => {
    await start();
    const text = await post({ 'content-type': 'text/plain' }, '{}');
    expect(text.status).toBe(415);
    expect((await jsonOf(text)).error).toBe("unsupported content type 'text/plain': send application/json");
    const gzip = await post(
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync('{}'),
    );
    expect(gzip.status).toBe(415);
  });

  it('answers 400 for JSON that does not parse, without quoting it', async () => {
    await start();
    const response = await post({ 'content-type': 'application/json' }, '{"comment": "hunter2", ');
    expect(response.status).toBe(400);
    const body = await jsonOf(response);
    expect(body.error).toMatch(/^the body is not valid JSON/);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('answers 413 for a body over the limit, declared or streamed', async () => {
    await start(new MemoryServeBackend(), 1024);
    const big = JSON.stringify({ comment: 'x'.repeat(2048), matchers: {}, endsAt: '2026-11-26T00:00:00Z' });
    const declared = await post({ 'content-type': 'application/json' }, big);
    expect(declared.status).toBe(413);
    expect((await jsonOf(declared)).error).toBe('the body is larger than 1024 bytes');

    const streamed = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(api.url);
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/silences',
          headers: { 'content-type': 'application/json' },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      // Once the answer is in, the server closes while the rest is still on its way: not an error here.
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
      });
      // Chunked, so there is no Content-Length to go by: 1 MiB in 16 KiB pieces against a 1 KiB limit.
      for (let i = 0; i < 64; i++) req.write('x'.repeat(16 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(api.backend.silences()).toEqual([]);
  });
});

group('cancel', () => {
  it('cancels a run in flight and refuses one that ended or is unknown', async () => {
    const backend = new MemoryServeBackend();
    backend.addRun('live', 'etl', 'Running', '2026-11-25T01:00:00Z');
    backend.addRun('done', 'etl', 'Completed', '2026-11-25T01:00:00Z');
    await start(backend);
    const cancelled = await call('POST', '/api/v1/runs/live/cancel');
    expect(cancelled).toMatchObject({ status: 200, body: { id: 'live', state: { name: 'Cancelled' } } });
    expect(await call('POST', '/api/v1/runs/done/cancel')).toMatchObject({
      status: 409,
      body: { error: "run 'done' already ended Completed" },
    });
    expect((await call('POST', '/api/v1/runs/ghost/cancel')).status).toBe(404);
  });
});

group('alerts', () => {
  const rules = {
    defaults: { repeatInterval: '1h' as const },
    rules: [{ name: 'failed', when: { type: 'flow-failed' as const } }],
  };

  it('lists firing alerts; an acknowledged one is shown so and not repeated until it resolves', async () => {
    const backend = new MemoryServeBackend(rules);
    backend.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:00:00Z'));
    await start(backend);
    const listed = await call('GET', '/api/v1/alerts');
    expect(listed.body.alerts).toMatchObject([
      { rule: 'failed', status: 'firing', labels: { flow: 'etl' }, acknowledged: false },
    ]);
    const id = listed.body.alerts[0].id;

    const acked = await call('POST', `/api/v1/alerts/${id}/ack`);
    expect(acked).toMatchObject({ status: 200, body: { id, acknowledged: true } });
    expect((await call('GET', '/api/v1/alerts')).body.alerts[0].acknowledged).toBe(true);

    backend.clock.advanceTo('2026-11-25T06:00:00Z');
    backend.feed(flowRun('etl', 'r2', 'Completed', '2026-11-25T06:30:00Z'));
    expect(backend.sent.map((n) => n.kind)).toEqual(['firing', 'resolved']);
  });

  it('answers 404 for an alert that is not firing', async () => {
    await start(new MemoryServeBackend(rules));
    expect(await call('POST', '/api/v1/alerts/nope/ack')).toMatchObject({
      status: 404,
      body: { error: "no firing alert with id 'nope'" },
    });
  });
});

group('silences', () => {
  const rules = { rules: [{ name: 'failed', when: { type: 'flow-failed' as const } }] };

  it('adds a silence that suppresses a matching alert, lists it, and expires it', async () => {
    const backend = new MemoryServeBackend(rules);
    await start(backend);
    const added = await call('POST', '/api/v1/silences', {
      matchers: { flow: 'etl' },
      endsAt: '2026-11-25T04:00:00Z',
      comment: 'migrating the warehouse',
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      matchers: { flow: 'etl' },
      endsAt: '2026-11-25T04:00:00.000Z',
      comment: 'migrating the warehouse',
    });
    expect(added.headers.get('location')).toBe(`/api/v1/silences/${added.body.id}`);
    expect((await call('GET', '/api/v1/silences')).body.silences).toEqual([added.body]);

    backend.feed(flowRun('etl', 'r1', 'Failed', '2026-11-25T02:10:00Z'));
    backend.feed(flowRun('billing', 'r2', 'Failed', '2026-11-25T02:20:00Z'));
    expect(backend.sent.flatMap((n) => n.alerts.map((a) => a.labels.flow))).toEqual(['billing']);

    expect((await call('DELETE', `/api/v1/silences/${added.body.id}`)).status).toBe(204);
    expect((await call('GET', '/api/v1/silences')).body.silences).toEqual([]);
    backend.clock.advanceTo('2026-11-25T02:30:00Z');
    expect(backend.sent.flatMap((n) => n.alerts.map((a) => a.labels.flow))).toEqual(['billing', 'etl']);
  });

  it('leaves silences that have ended out of the list', async () => {
    const backend = new MemoryServeBackend(rules);
    backend.engine.addSilence({ matchers: { flow: 'etl' }, endsAt: '2026-11-25T03:00:00Z' });
    await start(backend);
    expect((await call('GET', '/api/v1/silences')).body.silences).toHaveLength(1);
    backend.clock.advanceTo('2026-11-25T03:00:00Z');
    expect((await call('GET', '/api/v1/silences')).body.silences).toEqual([]);
  });

  it('refuses a silence with every problem named', async () => {
    await start(new MemoryServeBackend(rules));
    const { status, body } = await call('POST', '/api/v1/silences', { matchers: { flw: 'etl' }, comment: 3 });
    expect(status).toBe(400);
    expect(body.details).toEqual([
      { path: 'matchers', message: "unknown key 'flw'" },
      { path: 'endsAt', message: expect.stringMatching(/^is missing/) },
      { path: 'comment', message: expect.stringContaining('expected string') },
    ]);
  });

  it('refuses a silence that has already ended, and an id that is taken', async () => {
    const backend = new MemoryServeBackend(rules);
    backend.engine.addSilence({ id: 'quiet', matchers: {}, endsAt: '2026-11-26T00:00:00Z' });
    await start(backend);
    expect(
      await call('POST', '/api/v1/silences', { matchers: {}, endsAt: '2026-11-25T01:00:00Z' }),
    ).toMatchObject({
      status: 400,
      body: { details: [{ path: 'endsAt', message: 'is in the past (2026-11-25T01:00:00.000Z)' }] },
    });
    const taken = await call('POST', '/api/v1/silences', {
      id: 'quiet',
      matchers: {},
      endsAt: '2026-11-26T00:00:00Z',
    });
    expect(taken.status).toBe(409);
  });

  it('answers 404 when expiring a silence that does not exist', async () => {
    await start(new MemoryServeBackend(rules));
    expect(await call('DELETE', '/api/v1/silences/nope')).toMatchObject({
      status: 404,
      body: { error: "no silence with id 'nope'" },
    });
  });
});

group('faults', () => {
  it('answers 500 without a stack when the backend breaks, and logs why', async () => {
    const backend = new MemoryServeBackend();
    backend.runs = () => {
      throw new Error('the disk is on fire');
    };
    await start(backend);
    const { status, body } = await call('GET', '/api/v1/runs');
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'serve failed to answer this request; its log says why' });
    expect(api.logged.join('\n')).toContain('GET /api/v1/runs failed: Error: the disk is on fire');
  });
});
