import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.ts';
import { type ServeProcess, startServe, until } from '../support/serve.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { batchEvents, openSse } from '../support/sse.ts';
import { ended } from './fixtures/api/support.ts';

/**
 * Run logs, alert events and the live event stream through a real `flowtel serve`: its flows log over
 * OTLP from their own processes, its rules alert a loopback webhook.
 */

const FIXTURES = resolve(import.meta.dirname, 'fixtures/live');
const TOKEN = 'live-api-token-5d1e9c0b7a';
let hook: SlackServer;
let serve: ServeProcess;
let hookPath: string;
beforeAll(async () => {
  hook = await startSlackServer();
  hookPath = `${hook.url}/live-hook-path-9f8e7d6c5b`;
  serve = await startServe(['--flows', join(FIXTURES, 'flows'), '--rules', join(FIXTURES, 'rules')], {
    env: {
      HOOK_URL: hookPath,
      FLOWTEL_API_TOKEN: TOKEN,
      // The same values under names a run does not take for secrets: only serve knows them to be.
      LIVE_ECHO_HOOK: hookPath,
      LIVE_ECHO_TOKEN: TOKEN,
    },
  });
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await hook?.close();
});

async function runNow(flow: string, params: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await serve.api(`/api/v1/flows/${flow}/runs`, { body: { params }, token: TOKEN });
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

/** The run's logs once the last one (the ERROR record) has been stored. */
function logsOf(id: string) {
  return until(`the logs of run ${id}`, async () => {
    const { status, body } = await serve.api(`/api/v1/runs/${id}/logs?limit=1000`);
    return status === 200 && body.logs.some((log: { level: string }) => log.level === 'ERROR')
      ? body
      : undefined;
  });
}

describe('run logs', () => {
  it('lists what a run logged, oldest first, as data, without serve’s secrets', async () => {
    const id = await runNow('live-logs');
    await ended(serve, id);
    const { logs, nextCursor, dropped } = await logsOf(id);
    expect(nextCursor).toBeNull();
    expect(dropped).toBe(0);
    expect(logs.length).toBe(35);
    expect(logs.map((log: { seq: number }) => log.seq)).toEqual(logs.map((_: unknown, i: number) => i + 1));
    expect(logs[0]).toMatchObject({
      level: 'INFO',
      body: 'loading <script>alert("x")</script> rows',
      task: null,
      taskRunId: null,
      attempt: null,
      attributes: { rows: 3, ok: true, list: '["a","b"]' },
    });
    expect(Date.parse(logs[0].at)).toBeGreaterThan(0);
    expect(logs[0].attributes['cicd.pipeline.run.id']).toBeUndefined();
    const steps = logs.filter((log: { task: string | null }) => log.task === 'step');
    expect(steps.map((log: { attempt: number; body: string }) => [log.attempt, log.body])).toEqual([
      [1, 'step attempt 1'],
      [2, 'step attempt 2'],
    ]);
    expect(steps[0].taskRunId).toEqual(expect.any(String));

    const raw = JSON.stringify(logs);
    expect(raw).not.toContain(TOKEN);
    expect(raw).not.toContain('live-hook-path-9f8e7d6c5b');
    expect(logs.at(-1).body).toContain('[REDACTED]');
  });

  it('filters by q (literal, case-insensitive), level, task and attempt, pages, and refuses bad input', async () => {
    const id = await runNow('live-logs');
    await ended(serve, id);
    await logsOf(id);
    const bodies = async (query: string) => {
      const { status, body } = await serve.api(`/api/v1/runs/${id}/logs?${query}`);
      expect(status, JSON.stringify(body)).toBe(200);
      return body.logs.map((log: { body: string }) => log.body);
    };
    expect(await bodies('q=SCRIPT')).toEqual(['loading <script>alert("x")</script> rows']);
    expect(await bodies(`q=${encodeURIComponent('0%')}`)).toEqual(['detail: 100% of rows_ok']);
    expect(await bodies('q=rows_ok')).toEqual(['detail: 100% of rows_ok']);
    expect(await bodies('q=row_')).toEqual([]);
    expect(await bodies('level=warn')).toEqual([
      'step attempt 1',
      'step attempt 2',
      expect.stringMatching(/^posting/),
    ]);
    expect(await bodies('task=step&attempt=2')).toEqual(['step attempt 2']);

    const first = await serve.api(`/api/v1/runs/${id}/logs?limit=10`);
    expect(first.body.logs).toHaveLength(10);
    const second = await serve.api(`/api/v1/runs/${id}/logs?limit=10&cursor=${first.body.nextCursor}`);
    expect(second.body.logs[0].seq).toBe(11);

    const bad = await serve.api(`/api/v1/runs/${id}/logs?limit=0&level=loud&attempt=x&colour=red`);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['colour']);
    const badValues = await serve.api(`/api/v1/runs/${id}/logs?limit=0&level=loud&attempt=x`);
    expect(badValues.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'attempt',
      'level',
      'limit',
    ]);
    expect((await serve.api('/api/v1/runs/no-such-run/logs')).status).toBe(404);
  });
});

describe('alert events', () => {
  it('records a failing run firing its alert, the acknowledgement and the resolution, per run and in history', async () => {
    const failing = await runNow('live-logs', { fail: true });
    await ended(serve, failing);
    const firing = await until('the alert to fire', async () => {
      const { body } = await serve.api(`/api/v1/runs/${failing}/alerts`);
      return body.events?.find((event: { kind: string }) => event.kind === 'firing');
    });
    expect(firing).toMatchObject({
      rule: 'live-logs-failed',
      flow: 'live-logs',
      runId: failing,
      severity: 'critical',
      summary: expect.stringContaining('live logs failed'),
      id: expect.any(Number),
    });
    const ack = await serve.api(`/api/v1/alerts/${firing.fingerprint}/ack`, { method: 'POST', token: TOKEN });
    expect(ack.status).toBe(200);
    await serve.api(`/api/v1/alerts/${firing.fingerprint}/ack`, { method: 'POST', token: TOKEN });

    const good = await runNow('live-logs');
    await ended(serve, good);
    const history = await until('the alert to resolve', async () => {
      const { body } = await serve.api('/api/v1/alerts/history?flow=live-logs');
      return body.events?.[0]?.kind === 'resolved' ? body : undefined;
    });
    expect(history.events.map((event: { kind: string }) => event.kind)).toEqual([
      'resolved',
      'acknowledged',
      'firing',
    ]);
    const perRun = await serve.api(`/api/v1/runs/${failing}/alerts`);
    expect(perRun.body.events.map((event: { kind: string }) => event.kind)).toEqual([
      'firing',
      'acknowledged',
    ]);
    const paged = await serve.api('/api/v1/alerts/history?limit=1');
    expect(paged.body.events).toHaveLength(1);
    expect(paged.body.nextCursor).toEqual(expect.any(String));
    expect((await serve.api('/api/v1/runs/no-such-run/alerts')).status).toBe(404);
    expect((await serve.api('/api/v1/alerts/history?limit=5000')).status).toBe(400);
    expect(JSON.stringify(history)).not.toContain('live-hook-path-9f8e7d6c5b');
  });
});

describe('the live event stream', () => {
  it('shows a run go Running then Completed, and replays what a client missed after Last-Event-ID', async () => {
    const events = await openSse(`${serve.apiUrl}/api/v1/events`);
    try {
      const start = await events.next(() => true);
      expect(start.event).toBe('batch');
      expect(start.id).toMatch(/^.+-\d+$/);
      const gate = join(tempDir('flowtel-gate-'), 'open');
      const id = await runNow('live-gate', { open: gate });
      const stateOf = (message: Parameters<typeof batchEvents>[0]) =>
        batchEvents(message).find((event) => event.type === 'run' && event.run.id === id)?.run;
      const running = await events.next((message) => stateOf(message)?.state.type === 'RUNNING');
      expect(stateOf(running)).toMatchObject({ flow: 'live-gate', traceUrl: null, endedAt: null });
      const seen = running.id!;
      events.close();

      writeFileSync(gate, '');
      await ended(serve, id);
      const resumed = await openSse(`${serve.apiUrl}/api/v1/events`, { 'last-event-id': seen });
      try {
        const replay = await resumed.next((message) => stateOf(message) !== undefined);
        expect(stateOf(replay)).toMatchObject({ state: { type: 'COMPLETED' } });
      } finally {
        resumed.close();
      }
    } finally {
      events.close();
    }
  });

  it('tells a client with an id of another serve process to start over', async () => {
    const events = await openSse(`${serve.apiUrl}/api/v1/events`, { 'last-event-id': 'not-this-serve-12' });
    try {
      expect(await events.next(() => true)).toMatchObject({ event: 'reset', data: '{}' });
    } finally {
      events.close();
    }
  });

  it('says where the UI is when it starts', () => {
    expect(serve.run.output().stdout).toContain(`flowtel serve: UI at ${serve.apiUrl}/`);
  });
});
