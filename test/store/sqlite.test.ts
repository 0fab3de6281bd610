import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/alerts/state.ts';
import { SqliteAlertStateStore } from '../../src/store/alert-state.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { openDatabase, StoreError } from '../../src/store/sqlite.ts';

const dirs: string[] = [];
const tempHome = () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-store-'));
  dirs.push(dir);
  return join(dir, 'nested', 'home');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const state = (fingerprint: string, rule = 'orders-failed'): AlertState => ({
  fingerprint,
  rule,
  status: 'firing',
  severity: 'critical',
  labels: { flow: 'nightly-orders' },
  annotations: {},
  summary: 'nightly-orders failed',
  startsAt: '2026-11-25T02:00:00Z',
  facts: { flow: 'nightly-orders' },
  notified: true,
});

describe('the SQLite file', () => {
  it('is created under FLOWTEL_HOME (folder included), in WAL mode, at the latest schema version', async () => {
    const home = tempHome();
    const db = await openDatabase({ env: { FLOWTEL_HOME: home } });
    expect(existsSync(join(home, 'flowtel.db'))).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    const again = await openDatabase({ home });
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it('refuses a file written by a newer flowtel', async () => {
    const home = tempHome();
    const db = await openDatabase({ home });
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    await expect(openDatabase({ home })).rejects.toThrow(StoreError);
  });

  it('keeps alert states across a reopen', async () => {
    const home = tempHome();
    const db = await openDatabase({ home });
    const store = new SqliteAlertStateStore(db);
    store.put(state('a'));
    store.put(state('b', 'other'));
    store.put({ ...state('a'), status: 'resolved' });
    store.delete('missing');
    db.close();
    const reopened = new SqliteAlertStateStore(await openDatabase({ home }));
    expect(reopened.get('a')?.status).toBe('resolved');
    expect(reopened.list().map((s) => s.fingerprint)).toEqual(['a', 'b']);
    expect(reopened.list('other').map((s) => s.fingerprint)).toEqual(['b']);
    reopened.delete('a');
    expect(reopened.get('a')).toBeUndefined();
  });

  it('keeps alert state in memory while another process holds the file locked, and saves it after', async () => {
    const home = tempHome();
    const logs: string[] = [];
    const db = await openDatabase({ home, busyTimeoutMs: 20 });
    const store = new SqliteAlertStateStore(db, { log: (line) => logs.push(line) });
    store.put(state('a'));
    const other = await openDatabase({ home });
    other.exec('BEGIN IMMEDIATE');
    // The engine must not be stopped mid-evaluation by a locked file: no throw, and reads see the change.
    expect(() => store.put({ ...state('a'), status: 'resolved' })).not.toThrow();
    expect(() => store.put(state('b'))).not.toThrow();
    expect(() => store.delete('a')).not.toThrow();
    expect(store.get('a')).toBeUndefined();
    expect(store.list().map((s) => s.fingerprint)).toEqual(['b']);
    expect(logs).toEqual([
      expect.stringContaining('could not save alert state in flowtel.db (database is locked)'),
    ]);
    other.exec('COMMIT');
    other.close();

    expect(store.flush()).toBe(true);
    db.close();
    const reopened = new SqliteAlertStateStore(await openDatabase({ home }));
    expect(reopened.list().map((s) => s.fingerprint)).toEqual(['b']);
  });

  it('loads better-sqlite3 only when a store is opened, not when delivery is imported', () => {
    const home = tempHome();
    const script = `
      const { createRequire } = await import('node:module');
      const require = createRequire(import.meta.url);
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('better-sqlite3'));
      await import('./src/notify/deliver.ts');
      await import('./src/store/index.ts');
      const before = loaded();
      const { openDatabase } = await import('./src/store/sqlite.ts');
      (await openDatabase({ home: process.env.FLOWTEL_HOME })).close();
      console.log(JSON.stringify({ before, after: loaded() }));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, FLOWTEL_HOME: home },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout.trim())).toEqual({ before: false, after: true });
  });
});
