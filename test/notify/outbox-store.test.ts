import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryOutboxStore } from '../../src/notify/outbox/memory-store.ts';
import type { OutboxStore } from '../../src/notify/outbox/store.ts';
import { SqliteOutboxStore } from '../../src/store/outbox.ts';
import { openDatabase } from '../../src/store/sqlite.ts';
import { notification } from './helpers/notifications.ts';

const root = mkdtempSync(join(tmpdir(), 'flowtel-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const sqlite = async () =>
  new SqliteOutboxStore(await openDatabase({ home: join(root, `h${++n}`) }), { ownsDb: true });

const T = 1_000_000;
const claim = (store: OutboxStore, owner: string, now = T, limit = 10) =>
  store.claim({ owner, now, leaseMs: 1000, limit });

describe.each([
  ['in memory', async () => new InMemoryOutboxStore() as OutboxStore],
  ['SQLite', sqlite],
])('the outbox store (%s)', (_name, make) => {
  it('stores a notification once per channel, however often it is enqueued', async () => {
    const store = await make();
    const a = notification({ channels: ['data', 'oncall'] });
    store.enqueue(a, ['data', 'oncall'], T);
    store.enqueue(a, ['data', 'oncall'], T);
    expect(store.list().map((e) => e.id)).toEqual([`${a.id}/data`, `${a.id}/oncall`]);
    expect(store.get(`${a.id}/data`)?.notification).toEqual(a);
    store.close();
  });

  it('leases an entry to one owner until the lease lapses', async () => {
    const store = await make();
    store.enqueue(notification(), ['data'], T);
    expect(claim(store, 'p1')).toHaveLength(1);
    expect(claim(store, 'p2', T + 500)).toHaveLength(0);
    expect(store.dueChannels(T + 500)).toEqual([]);
    // p1 crashed: its lease lapses, p2 takes over.
    expect(claim(store, 'p2', T + 1001).map((e) => e.claimedBy)).toEqual(['p2']);
    store.close();
  });

  it('never hands out a sent entry again, and keeps the last error of a failed one', async () => {
    const store = await make();
    const [a, b] = [notification(), notification()];
    store.enqueue(a, ['data'], T);
    store.enqueue(b, ['data'], T);
    const claimed = claim(store, 'p1');
    store.markSent([`${a.id}/data`], 'p1', T + 1);
    store.markFailed([`${b.id}/data`], 'p1', 'http 404: no_service', T + 1);
    expect(claimed).toHaveLength(2);
    expect(claim(store, 'p1', T + 10_000)).toHaveLength(0);
    expect(store.get(`${a.id}/data`)).toMatchObject({ status: 'sent', attempts: 1, doneAt: T + 1 });
    expect(store.get(`${b.id}/data`)).toMatchObject({ status: 'failed', lastError: 'http 404: no_service' });
    expect(store.nextDueAt()).toBeUndefined();
    expect(store.prune(T + 2)).toBe(2);
    store.close();
  });

  it('forgets the errors of earlier attempts once an entry is sent', async () => {
    const store = await make();
    const a = notification();
    store.enqueue(a, ['data'], T);
    claim(store, 'p1');
    store.scheduleRetry([`${a.id}/data`], 'p1', {
      nextAttemptAt: T,
      lastError: 'http 503: busy',
      attemptAt: T,
    });
    claim(store, 'p1', T + 1);
    store.markSent([`${a.id}/data`], 'p1', T + 2);
    expect(store.get(`${a.id}/data`)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(store.get(`${a.id}/data`)?.lastError).toBeUndefined();
    store.close();
  });

  it('stores the retry schedule and hands the entry out again when it is due', async () => {
    const store = await make();
    const a = notification();
    store.enqueue(a, ['data'], T);
    claim(store, 'p1');
    store.scheduleRetry([`${a.id}/data`], 'p1', {
      nextAttemptAt: T + 5000,
      lastError: 'timeout',
      attemptAt: T,
    });
    expect(store.get(`${a.id}/data`)).toMatchObject({
      attempts: 1,
      firstAttemptAt: T,
      nextAttemptAt: T + 5000,
      lastError: 'timeout',
    });
    expect(store.nextDueAt(['data'])).toBe(T + 5000);
    expect(store.nextDueAt(['other'])).toBeUndefined();
    expect(claim(store, 'p1', T + 4999)).toHaveLength(0);
    expect(claim(store, 'p1', T + 5000)).toHaveLength(1);
    store.close();
  });

  it('expires pending entries older than a time, unless someone is sending them', async () => {
    const store = await make();
    const [old, leased, fresh, sent] = [notification(), notification(), notification(), notification()];
    store.enqueue(old, ['gone'], T);
    store.enqueue(leased, ['gone'], T);
    store.enqueue(sent, ['gone'], T);
    store.enqueue(fresh, ['gone'], T + 100);
    store.claim({ owner: 'p', now: T + 50, leaseMs: 1000, channel: 'gone', limit: 3 });
    store.release([`${old.id}/gone`], 'p');
    store.markSent([`${sent.id}/gone`], 'p', T + 60);

    const expired = store.expire({
      createdBefore: T + 100,
      now: T + 200,
      reason: 'expired: channel gone',
      keep: [],
    });
    expect(expired.map((e) => e.id)).toEqual([`${old.id}/gone`]);
    expect(store.get(`${old.id}/gone`)).toMatchObject({
      status: 'failed',
      lastError: 'expired: channel gone',
      doneAt: T + 200,
    });
    expect(store.get(`${leased.id}/gone`)?.status).toBe('pending');
    expect(store.get(`${fresh.id}/gone`)?.status).toBe('pending');
    expect(store.get(`${sent.id}/gone`)?.status).toBe('sent');
    store.close();
  });

  it('never expires the entries of a channel the loaded rules still define, however old', async () => {
    const store = await make();
    const [waiting, orphan] = [notification(), notification()];
    store.enqueue(waiting, ['data'], T);
    store.enqueue(orphan, ['gone'], T);
    const expired = store.expire({ createdBefore: T + 100, now: T + 200, reason: 'expired', keep: ['data'] });
    expect(expired.map((e) => e.id)).toEqual([`${orphan.id}/gone`]);
    expect(store.get(`${waiting.id}/data`)?.status).toBe('pending');
    store.close();
  });

  it('frees at once the running leases of claimants that are gone, and only those', async () => {
    const store = await make();
    const [dead, alive, lapsed] = [notification(), notification(), notification()];
    store.enqueue(dead, ['data'], T);
    store.enqueue(alive, ['oncall'], T);
    store.enqueue(lapsed, ['email'], T);
    store.claim({ owner: 'dead', now: T, leaseMs: 1000, channel: 'data', limit: 1 });
    store.claim({ owner: 'alive', now: T, leaseMs: 1000, channel: 'oncall', limit: 1 });
    store.claim({ owner: 'dead', now: T - 2000, leaseMs: 1000, channel: 'email', limit: 1 });

    const freed = store.releaseAbandoned({
      now: T + 10,
      isGone: (c) => c === 'dead',
      reason: 'its process ended',
    });
    expect(freed.map((e) => e.id)).toEqual([`${dead.id}/data`]);
    expect(store.get(`${dead.id}/data`)).toMatchObject({
      status: 'pending',
      attempts: 0,
      lastError: 'its process ended',
    });
    expect(store.dueChannels(T + 10).sort()).toEqual(['data', 'email']);
    expect(
      claim(store, 'next', T + 10)
        .map((e) => e.id)
        .sort(),
    ).toEqual([`${dead.id}/data`, `${lapsed.id}/email`].sort());
    expect(store.get(`${alive.id}/oncall`)?.claimedBy).toBe('alive');
    store.close();
  });

  it('claims per channel, oldest first, up to a limit', async () => {
    const store = await make();
    const [a, b, c] = [notification(), notification(), notification()];
    for (const x of [a, b, c]) store.enqueue(x, ['data', 'oncall'], T);
    const got = store.claim({ owner: 'p', now: T, leaseMs: 1000, channel: 'oncall', limit: 2 });
    expect(got.map((e) => e.id)).toEqual([`${a.id}/oncall`, `${b.id}/oncall`]);
    expect(store.dueChannels(T).sort()).toEqual(['data', 'oncall']);
    store.close();
  });
});

describe('two processes sharing one file', () => {
  it('never claim the same entry', async () => {
    const home = join(root, 'shared');
    const one = new SqliteOutboxStore(await openDatabase({ home }), { ownsDb: true });
    const two = new SqliteOutboxStore(await openDatabase({ home }), { ownsDb: true });
    for (let i = 0; i < 20; i++) one.enqueue(notification(), ['data'], T);
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      seen.push(...claim(one, 'p1', T, 2).map((e) => e.id), ...claim(two, 'p2', T, 3).map((e) => e.id));
    }
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    one.close();
    two.close();
  });
});
