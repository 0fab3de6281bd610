import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { ended, FLOWS, notifications, notified, RULES } from './fixtures/api/support.ts';

/** Serve's HTTP API through a real `flowtel serve` with a token: its flows, rules and webhook. */

const TOKEN = 'serve-token-for-the-api-test-7f3a';
let hook: SlackServer;
let serve: ServeProcess;
const start = (cwd?: string) =>
  startServe(['--flows', FLOWS, '--rules', RULES], {
    env: { HOOK_URL: hook.url, FLOWTEL_API_TOKEN: TOKEN },
    ...(cwd ? { cwd } : {}),
  });
beforeAll(async () => {
  hook = await startSlackServer();
  serve = await start();
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await hook?.close();
});

/** Run now, with the token; the run's id. */
async function runNow(flow: string, params: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await serve.api(`/api/v1/flows/${flow}/runs`, { body: { params }, token: TOKEN });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

describe('auth', () => {
  it('refuses every changing endpoint without the token, and changes nothing', async () => {
    const before = await serve.api('/api/v1/runs');
    const calls: Array<[string, string, unknown?]> = [
      ['POST', '/api/v1/flows/api-orders/runs', { params: {} }],
      ['POST', `/api/v1/runs/${before.body.runs[0]?.id ?? 'some-run'}/cancel`],
      ['POST', '/api/v1/alerts/some-alert/ack'],
      ['POST', '/api/v1/silences', { matchers: { rule: '*' }, endsAt: '2999-01-01T00:00:00Z' }],
      ['DELETE', '/api/v1/silences/some-silence'],
    ];
    for (const [method, path, body] of calls) {
      const missing = await serve.api(path, { method, ...(body === undefined ? {} : { body }) });
      expect(missing.status, `${method} ${path}`).toBe(401);
      expect(missing.body.error).toMatch(/token/i);
      const wrong = await serve.api(path, {
        method,
        token: 'not-the-token',
        ...(body === undefined ? {} : { body }),
      });
      expect(wrong.status, `${method} ${path}`).toBe(401);
      expect(JSON.stringify(wrong.body)).not.toContain(TOKEN);
    }
    expect((await serve.api('/api/v1/runs')).body).toEqual(before.body);
    expect((await serve.api('/api/v1/silences')).body).toEqual({ silences: [] });
    // Reads stay open.
    expect((await serve.api('/api/v1/flows')).status).toBe(200);
    expect((await serve.api('/healthz')).status).toBe(200);
  });

  it('refuses to listen beyond loopback without a token, saying why', async () => {
    const refused = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--otlp-port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/0\.0\.0\.0/);
    expect(refused.stderr).toMatch(/FLOWTEL_API_TOKEN/);
  });
});

describe('run now and cancel', () => {
  it('starts a run with its parameters (201), which executes; refuses invalid parameters with 422', async () => {
    const id = await runNow('api-orders', { day: '2026-12-03' });
    const run = await ended(serve, id);
    expect(run).toMatchObject({ source: 'api', state: { name: 'Completed' }, params: { day: '2026-12-03' } });

    const invalid = await serve.api('/api/v1/flows/api-orders/runs', {
      body: { params: { day: 'monday' } },
      token: TOKEN,
    });
    expect(invalid.status).toBe(422);
    expect(JSON.stringify(invalid.body)).toContain('day must look like 2026-11-24');
    const unknown = await serve.api('/api/v1/flows/nope/runs', { body: {}, token: TOKEN });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain("'nope'");
  }, 60_000);

  it("cancels a blocked run of serve's, which ends Cancelled; an outside process's run gets 409", async () => {
    const id = await runNow('api-waits');
    await until('the waiting run Running', async () => {
      const { body } = await serve.api(`/api/v1/runs/${id}`);
      return body.state?.name === 'Running' ? true : undefined;
    });
    const cancelled = await serve.api(`/api/v1/runs/${id}/cancel`, { method: 'POST', token: TOKEN });
    expect(cancelled.status).toBe(200);
    expect((await ended(serve, id)).state).toMatchObject({ type: 'CANCELLED', name: 'Cancelled' });
    const again = await serve.api(`/api/v1/runs/${id}/cancel`, { method: 'POST', token: TOKEN });
    expect(again.status).toBe(409);

    const outside = startCli(['run', `${FLOWS}/waits.ts`], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: serve.otlpUrl,
        FLOWTEL_ALERTING: 'off',
        OTEL_METRICS_EXPORTER: 'none',
      },
    });
    const outsideRun = await until('the outside run in history', async () => {
      const { body } = await serve.api('/api/v1/runs?flow=api-waits&state=running');
      return body.runs.find((run: { source: string }) => run.source === 'otlp');
    });
    const refused = await serve.api(`/api/v1/runs/${outsideRun.id}/cancel`, { method: 'POST', token: TOKEN });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain('reported by another process');
    outside.child.kill('SIGTERM');
    await outside.done;
    expect((await ended(serve, outsideRun.id)).state.name).toBe('Cancelled');
  }, 60_000);
});

describe('runs: filters, paging and detail', () => {
  it('filters by flow, state and time, pages with the cursor, and answers 404 and 400 with a message', async () => {
    const ids: string[] = [];
    for (const fail of [false, true, false]) {
      const id = await runNow('api-orders', { fail, day: '2026-12-04' });
      await ended(serve, id);
      ids.push(id);
    }
    const [first, failed, last] = ids as [string, string, string];
    const { body: all } = await serve.api('/api/v1/runs?flow=api-orders&limit=1000');
    expect(all.runs.slice(0, 3).map((run: { id: string }) => run.id)).toEqual([last, failed, first]);
    expect(all.runs.every((run: { flow: string }) => run.flow === 'api-orders')).toBe(true);

    const { body: failures } = await serve.api('/api/v1/runs?flow=api-orders&state=failed');
    expect(failures.runs.map((run: { id: string }) => run.id)).toContain(failed);
    expect(failures.runs.every((run: { state: { type: string } }) => run.state.type === 'FAILED')).toBe(true);

    const middle = all.runs.find((run: { id: string }) => run.id === failed);
    const lastRun = all.runs.find((run: { id: string }) => run.id === last);
    const window = await serve.api(
      `/api/v1/runs?flow=api-orders&since=${encodeURIComponent(middle.startedAt)}&until=${encodeURIComponent(lastRun.startedAt)}`,
    );
    expect(window.body.runs.map((run: { id: string }) => run.id)).toEqual([failed]);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/v1/runs?flow=api-orders&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await serve.api(query);
      expect(body.runs.length).toBeLessThanOrEqual(1);
      paged.push(...body.runs.map((run: { id: string }) => run.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all.runs.map((run: { id: string }) => run.id));

    const detail = await serve.api(`/api/v1/runs/${failed}`);
    expect(detail.body).toMatchObject({
      id: failed,
      params: { fail: true, apiToken: '[REDACTED]' },
      taskRuns: [{ task: 'load', state: { name: 'Failed' } }],
    });
    const missing = await serve.api('/api/v1/runs/no-such-run');
    expect(missing).toMatchObject({ status: 404, body: { error: "no run with id 'no-such-run'" } });
    const bad = await serve.api('/api/v1/runs?limit=0&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
      'colour',
      'limit',
    ]);
  }, 90_000);
});

describe('alerts: silences and acknowledgements', () => {
  it('a silence made over the API keeps an alert quiet, survives a restart, and what fires is sent when it is expired', async () => {
    const created = await serve.api('/api/v1/silences', {
      body: {
        matchers: { flow: 'api-breaks' },
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'disk being replaced',
      },
      token: TOKEN,
    });
    expect(created.status).toBe(201);
    const silenceId: string = created.body.id;

    await serve.stop();
    serve = await start(serve.cwd);
    expect((await serve.api('/api/v1/silences')).body.silences).toMatchObject([
      { id: silenceId, matchers: { flow: 'api-breaks' }, comment: 'disk being replaced' },
    ]);

    const seen = notifications(hook).length;
    await ended(serve, await runNow('api-breaks'));
    await ended(serve, await runNow('api-orders', { fail: true }));
    // api-orders' alert fires and repeats (every second) while api-breaks', silenced, says nothing.
    await until('two repeats of the api-orders alert', () =>
      notifications(hook)
        .slice(seen)
        .filter((n) => n.kind === 'repeat' && n.flows.includes('api-orders')).length >= 2
        ? true
        : undefined,
    );
    expect(
      notifications(hook)
        .slice(seen)
        .filter((n) => n.flows.includes('api-breaks')),
    ).toEqual([]);
    const { body } = await serve.api('/api/v1/alerts');
    expect(body.alerts.map((alert: { labels: { flow: string } }) => alert.labels.flow)).toContain(
      'api-breaks',
    );

    const expired = await serve.api(`/api/v1/silences/${silenceId}`, { method: 'DELETE', token: TOKEN });
    expect(expired.status).toBe(204);
    await until("api-breaks' alert, once its silence ended", () =>
      notifications(hook)
        .slice(seen)
        .find((n) => n.flows.includes('api-breaks')),
    );
  }, 90_000);

  it('an acknowledged alert repeats no more until it resolves, and its resolution is sent', async () => {
    await ended(serve, await runNow('api-orders', { fail: true }));
    await ended(serve, await runNow('api-breaks'));
    const { body } = await serve.api('/api/v1/alerts');
    const alert = body.alerts.find(
      (candidate: { labels: { flow: string } }) => candidate.labels.flow === 'api-orders',
    );
    const acked = await serve.api(`/api/v1/alerts/${alert.id}/ack`, { method: 'POST', token: TOKEN });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ id: alert.id, acknowledged: true });

    // api-breaks' alert, of the same rule and the same repeat interval, goes on repeating: its repeats
    // after the acknowledgement leave api-orders' out.
    const seen = notifications(hook).length;
    const repeats = () =>
      notifications(hook)
        .slice(seen)
        .filter((n) => n.kind === 'repeat');
    await until('two repeats after the acknowledgement', () => (repeats().length >= 2 ? true : undefined));
    expect(repeats().at(-1)?.flows).toEqual(['api-breaks']);

    const resolvedBefore = notified(hook, 'resolved', 'api-orders').length;
    await ended(serve, await runNow('api-orders'));
    await until('the resolution of the acknowledged alert', () =>
      notified(hook, 'resolved', 'api-orders').length > resolvedBefore ? true : undefined,
    );
  }, 90_000);
});
