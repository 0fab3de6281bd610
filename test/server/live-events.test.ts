import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/server/backend.ts';
import { LiveHub } from '../../src/server/events/hub.ts';
import { type EventStreamOptions, eventStreamRoute } from '../../src/server/events/stream.ts';
import { startApi, type TestApi } from '../support/api-server.ts';
import { until } from '../support/serve.ts';
import { MemoryServeBackend } from '../support/serve-backend.ts';
import { batchEvents, openSse, type SseClient } from '../support/sse.ts';

/** `GET /api/v1/events` on a real loopback server over an in-memory backend, read by a plain HTTP client. */

let api: TestApi | undefined;
const clients: SseClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await api?.close();
  api = undefined;
});

async function serveEvents(
  options: Partial<EventStreamOptions> & { size?: number } = {},
): Promise<{ hub: LiveHub; backend: MemoryServeBackend; url: string }> {
  const backend = new MemoryServeBackend();
  const hub = options.hub ?? new LiveHub(options.size === undefined ? {} : { size: options.size });
  api = await startApi({ backend, extraRoutes: [eventStreamRoute({ ...options, hub, backend })] });
  return { hub, backend, url: `${api.url}/api/v1/events` };
}

async function open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(url, headers);
  clients.push(client);
  return client;
}

function alertEvent(id: number, summary = `alert ${id}`): AlertEvent {
  return {
    id,
    at: '2026-11-25T02:00:00.000Z',
    fingerprint: 'fp',
    rule: 'any-flow-failed',
    flow: 'orders',
    runId: null,
    kind: 'firing',
    severity: 'critical',
    summary,
  };
}

describe('the live event stream', () => {
  it('starts with an empty batch carrying the current id, as text/event-stream, and keeps the connection alive', async () => {
    const { hub, url } = await serveEvents({ keepaliveMs: 20 });
    hub.publish({ kind: 'flows' });
    const client = await open(url);
    expect(client.response.headers['content-type']).toMatch(/^text\/event-stream/);
    const first = await client.next(() => true);
    expect(first).toEqual({ id: hub.idOf(1), event: 'batch', data: '{"events":[]}' });
    await until('a keepalive comment', async () =>
      client.comments.includes('keepalive') ? true : undefined,
    );
  });

  it('batches the changes of a window and keeps only the latest of the same run', async () => {
    const { hub, backend, url } = await serveEvents();
    backend.addRun('run-1', 'orders', 'Running', '2026-11-25T02:00:00.000Z');
    backend.addRun('run-2', 'orders', 'Completed', '2026-11-25T02:01:00.000Z');
    const client = await open(url);
    await client.next(() => true);
    for (let i = 0; i < 50; i++) hub.publish({ kind: 'run', runId: 'run-1' });
    hub.publish({ kind: 'run', runId: 'run-2' });
    hub.publish({ kind: 'flows' });
    hub.publish({ kind: 'flows' });
    const batch = await client.next((message) => batchEvents(message).length > 0);
    const events = batchEvents(batch);
    expect(events.map((event) => (event.type === 'run' ? `run ${event.run.id}` : event.type))).toEqual([
      'run run-1',
      'run run-2',
      'flows',
    ]);
    expect(events[0].run).toMatchObject({
      id: 'run-1',
      flow: 'orders',
      traceUrl: 'http://tempo.test/trace/trace-run-1',
    });
    expect(events[0].run.transitions).toBeUndefined();
    expect(batch.id).toBe(hub.idOf(hub.last));
  });

  it('sends task runs of runs in flight only, the latest state of each with when it started', async () => {
    const { hub, backend, url } = await serveEvents();
    backend.addRun('live', 'orders', 'Running', '2026-11-25T02:00:00.000Z');
    backend.addRun('done', 'orders', 'Completed', '2026-11-25T02:01:00.000Z');
    const client = await open(url);
    await client.next(() => true);
    const task = (flowRunId: string, name: 'Running' | 'Completed', at: string) =>
      ({
        v: 1,
        seq: 0,
        at,
        flow: 'orders',
        flowRunId,
        task: 'load',
        taskRunId: `${flowRunId}-load`,
        attempt: 1,
        state: { type: name === 'Running' ? 'RUNNING' : 'COMPLETED', name },
        tags: [],
        scheduledAt: null,
      }) as const;
    hub.publish({ kind: 'task', record: task('live', 'Running', '2026-11-25T02:00:01.000Z') });
    hub.publish({ kind: 'task', record: task('done', 'Running', '2026-11-25T02:01:01.000Z') });
    hub.publish({ kind: 'task', record: task('live', 'Completed', '2026-11-25T02:00:02.000Z') });
    hub.publish({ kind: 'flows' });
    const batch = await client.next((message) => batchEvents(message).length > 0);
    expect(batchEvents(batch)).toEqual([
      {
        type: 'task',
        runId: 'live',
        flow: 'orders',
        task: 'load',
        taskRunId: 'live-load',
        state: { type: 'COMPLETED', name: 'Completed' },
        attempts: 1,
        startedAt: '2026-11-25T02:00:01.000Z',
        endedAt: '2026-11-25T02:00:02.000Z',
      },
      { type: 'flows' },
    ]);
  });

  it('replays what a client missed after its Last-Event-ID, and says reset for an id it no longer has', async () => {
    const { hub, url } = await serveEvents({ size: 5 });
    hub.publish({ kind: 'alert', event: alertEvent(1) });
    const seen = hub.idOf(hub.last);
    hub.publish({ kind: 'alert', event: alertEvent(2) });
    hub.publish({ kind: 'alert', event: alertEvent(3) });

    const resumed = await open(url, { 'last-event-id': seen });
    const replay = await resumed.next(() => true);
    expect(batchEvents(replay).map((event) => event.event.id)).toEqual([2, 3]);
    expect(replay.id).toBe(hub.idOf(3));

    const byQuery = await open(`${url}?lastEventId=${encodeURIComponent(seen)}`);
    expect(batchEvents(await byQuery.next(() => true)).map((event) => event.event.id)).toEqual([2, 3]);

    for (let id = 4; id <= 10; id++) hub.publish({ kind: 'alert', event: alertEvent(id) });
    const tooOld = await open(url, { 'last-event-id': seen });
    expect(await tooOld.next(() => true)).toMatchObject({ event: 'reset', data: '{}', id: hub.idOf(10) });

    const otherProcess = await open(url, { 'last-event-id': 'someotherserve-3' });
    expect((await otherProcess.next(() => true)).event).toBe('reset');
  });

  it('refuses an unknown query parameter with 400', async () => {
    const { url } = await serveEvents();
    const answer = await fetch(`${url}?since=3`);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { details: unknown }).details).toEqual([
      expect.objectContaining({ path: 'since' }),
    ]);
  });

  it('drops a client that does not read, instead of buffering for it without bound', async () => {
    const { hub, url } = await serveEvents({ batchMs: 5, maxBufferedBytes: 64 * 1024 });
    const reader = await open(url);
    await reader.next(() => true);
    const { port } = new URL(url);
    const stalled = connect(Number(port), '127.0.0.1');
    stalled.pause();
    stalled.write('GET /api/v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n');
    await until('both clients connected', async () => (hub.listeners === 2 ? true : undefined));
    const big = 'x'.repeat(200_000);
    let id = 0;
    await until(
      'the stalled client to be dropped',
      async () => {
        for (let i = 0; i < 5; i++) hub.publish({ kind: 'alert', event: alertEvent(++id, big) });
        await new Promise((resolve) => setTimeout(resolve, 10));
        return hub.listeners === 1 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    stalled.destroy();
    // The client that reads is still served.
    hub.publish({ kind: 'flows' });
    await reader.next((message) => batchEvents(message).some((event) => event.type === 'flows'));
  });

  it('ends every stream when the hub closes (serve stops)', async () => {
    const { hub, url } = await serveEvents();
    const client = await open(url);
    await client.next(() => true);
    hub.close();
    await until('the stream to end', async () => (client.response.complete ? true : undefined));
    expect(hub.listeners).toBe(0);
  });
});

describe('LiveHub', () => {
  it('knows only the ids of its own process, within what it keeps', () => {
    const hub = new LiveHub({ size: 3, epoch: 'e1' });
    for (let i = 0; i < 5; i++) hub.publish({ kind: 'flows' });
    expect(hub.parseId('e1-5')).toBe(5);
    expect(hub.parseId('e2-5')).toBeUndefined();
    expect(hub.parseId('e1-6')).toBeUndefined();
    expect(hub.parseId('e1-x')).toBeUndefined();
    expect(hub.since(2)).toHaveLength(3);
    expect(hub.since(1)).toBeUndefined();
    expect(hub.since(5)).toEqual([]);
  });
});
