import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { InMemoryScheduleMarks, type ScheduleMarks } from '../../src/schedule/marks.ts';
import { processSecrets } from '../../src/secrets.ts';
import {
  type FlowLocks,
  InMemoryFlowLocks,
  type LockOptions,
  SqliteFlowLocks,
} from '../../src/store/flow-locks.ts';
import { SqliteScheduleMarks } from '../../src/store/schedule-marks.ts';
import { InMemorySilenceStore, type SilenceStore, SqliteSilenceStore } from '../../src/store/silences.ts';
import { type Database, openDatabase } from '../../src/store/sqlite.ts';

const root = mkdtempSync(join(tmpdir(), 'flowtel-serve-tables-'));
let homes = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const open: Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A fresh file, and a way to open it again as a restarted process would. */
async function file() {
  const home = join(root, `h${++homes}`);
  const reopen = async () => {
    const db = await openDatabase({ home });
    open.push(db);
    return db;
  };
  return { db: await reopen(), reopen };
}

const twins = <T>(memory: () => Promise<T> | T, sqlite: () => Promise<T>) =>
  [
    ['in memory', memory],
    ['in SQLite', sqlite],
  ] as const;

describe.each(
  twins<ScheduleMarks>(
    () => new InMemoryScheduleMarks(),
    async () => new SqliteScheduleMarks((await file()).db),
  ),
)('schedule marks %s', (_name, make) => {
  it('remember the last slot of each schedule of each flow', async () => {
    const marks = await make();
    expect(marks.get('etl', 'cron 0 2 * * * UTC')).toBeUndefined();
    marks.set('etl', 'cron 0 2 * * * UTC', 1_000);
    marks.set('etl', 'every 5m', 2_000);
    marks.set('etl', 'cron 0 2 * * * UTC', 3_000);
    expect(marks.get('etl', 'cron 0 2 * * * UTC')).toBe(3_000);
    expect(marks.get('etl', 'every 5m')).toBe(2_000);
    expect(marks.get('orders', 'every 5m')).toBeUndefined();
  });
});

const silence = (id: string, comment = 'deploy') => ({
  id,
  matchers: { flow: 'nightly-*', labels: { customer: 'acme' } },
  endsAt: Date.parse('2026-11-25T04:00:00Z'),
  comment,
});

describe.each(
  twins<SilenceStore>(
    () => new InMemorySilenceStore(),
    async () => new SqliteSilenceStore((await file()).db),
  ),
)('the silence store %s', (_name, make) => {
  it('lists silences in the order they were added, replaces one by id and removes one', async () => {
    const store = await make();
    store.add(silence('a'));
    store.add(silence('b'));
    store.add(silence('a', 'longer deploy'));
    expect(store.list().map((s) => [s.id, s.comment])).toEqual([
      ['b', 'deploy'],
      ['a', 'longer deploy'],
    ]);
    expect(store.remove('b')).toBe(true);
    expect(store.remove('b')).toBe(false);
    expect(store.list()).toEqual([silence('a', 'longer deploy')]);
  });
});

describe("serve's tables in SQLite", () => {
  it('keep schedule marks and silences across a restart, secrets redacted', async () => {
    const { db, reopen } = await file();
    new SqliteScheduleMarks(db).set('etl', 'every 5m', 5_000);
    const token = 'sk-live-4f9a8b7c6d5e';
    processSecrets().add(token);
    new SqliteSilenceStore(db).add(silence('s1', `rotating ${token}`));
    db.close();
    open.splice(open.indexOf(db), 1);
    const again = await reopen();
    expect(new SqliteScheduleMarks(again).get('etl', 'every 5m')).toBe(5_000);
    expect(new SqliteSilenceStore(again).list()).toEqual([silence('s1', 'rotating [REDACTED]')]);
  });
});

const me = { pid: 100, host: 'here', runId: 'run-1' };
const other = { pid: 200, host: 'here', runId: 'run-2' };
const elsewhere = { pid: 300, host: 'there', runId: 'run-3' };

function lockTwins() {
  /** A clock and the pids alive on this host ('here'), fresh for each test. */
  const world = () => {
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const alive = new Set([100, 200, 300]);
    const options: LockOptions = { clock, host: 'here', isAlive: (pid) => alive.has(pid) };
    return { clock, alive, options };
  };
  return twins<{ locks: FlowLocks; clock: ManualClock; alive: Set<number> }>(
    () => {
      const { options, ...rest } = world();
      return { locks: new InMemoryFlowLocks(options), ...rest };
    },
    async () => {
      const { options, ...rest } = world();
      return { locks: new SqliteFlowLocks((await file()).db, options), ...rest };
    },
  );
}

describe.each(lockTwins())('flow locks %s', (_name, make) => {
  it('let one holder in at a time and say who holds it since when', async () => {
    const { locks, clock } = await make();
    const since = clock.now();
    expect(locks.acquire('etl', me, 60_000)).toEqual({ ok: true });
    clock.advanceBy(1_000);
    expect(locks.acquire('etl', other, 60_000)).toEqual({
      ok: false,
      heldBy: { ...me, since, expiresAt: since + 60_000 },
    });
    // Another flow is another lock; the holder may take its own again.
    expect(locks.acquire('orders', other, 60_000)).toEqual({ ok: true });
    expect(locks.acquire('etl', me, 60_000)).toEqual({ ok: true });
    locks.release('etl', other); // not the holder: nothing happens
    expect(locks.acquire('etl', other, 60_000).ok).toBe(false);
    locks.release('etl', me);
    expect(locks.acquire('etl', other, 60_000)).toEqual({ ok: true });
  });

  it('are taken over once their ttl lapses, unless renewed', async () => {
    const { locks, clock } = await make();
    locks.acquire('etl', me, 60_000);
    clock.advanceBy(50_000);
    expect(locks.renew('etl', me, 60_000)).toBe(true);
    clock.advanceBy(50_000);
    expect(locks.acquire('etl', other, 60_000).ok).toBe(false);
    clock.advanceBy(10_000);
    expect(locks.acquire('etl', other, 60_000)).toEqual({ ok: true });
    // The first holder finds out when it renews.
    expect(locks.renew('etl', me, 60_000)).toBe(false);
  });

  it("are taken over at once when the holder's process is gone from this host, not from another", async () => {
    const { locks, alive } = await make();
    locks.acquire('etl', me, 60_000);
    locks.acquire('orders', elsewhere, 60_000);
    alive.delete(100);
    alive.delete(300);
    expect(locks.acquire('etl', other, 60_000)).toEqual({ ok: true });
    expect(locks.acquire('orders', other, 60_000).ok).toBe(false);
  });
});
