import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/alerts/state.ts';
import { openStore } from '../../src/store/index.ts';
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
  it('creates its folder 0700 and flowtel.db 0600 with its journal files, for the owner alone', async () => {
    const home = tempHome();
    const db = await openDatabase({ home });
    db.exec('CREATE TABLE IF NOT EXISTS probe (x); INSERT INTO probe VALUES (1)');
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'flowtel.db'))).toBe(0o600);
    expect(mode(join(home, 'flowtel.db-wal'))).toBe(0o600);
    db.close();
  });

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
    const store = await openStore({ home });
    store.alertState.save(
      new Map([
        ['a', state('a')],
        ['b', state('b', 'other')],
      ]),
    );
    store.alertState.save(
      new Map([
        ['a', { ...state('a'), status: 'resolved' as const }],
        ['missing', null],
      ]),
    );
    expect(await store.flush(1_000)).toBe(true);
    store.close();
    const reopened = await openStore({ home });
    const loaded = reopened.alertState.load();
    expect(loaded.map((s) => [s.fingerprint, s.status])).toEqual([
      ['a', 'resolved'],
      ['b', 'firing'],
    ]);
    reopened.alertState.save(new Map([['a', null]]));
    reopened.close();
    const again = await openStore({ home });
    expect(again.alertState.load().map((s) => s.fingerprint)).toEqual(['b']);
    again.close();
  });

  it('saves alert state after the caller returns, and while another process holds the lock keeps it and retries', async () => {
    const home = tempHome();
    const logs: string[] = [];
    const store = await openStore({ home, log: (line) => logs.push(line) });
    const other = await openDatabase({ home });
    other.exec('BEGIN EXCLUSIVE');
    other.prepare("INSERT INTO alert_state VALUES ('held', 'r', '{}', 0)").run();
    // Saving never waits for the file: the engine's step is not stopped by a lock.
    store.alertState.save(new Map([['a', state('a')]]));
    store.alertState.save(new Map([['b', state('b')]]));
    expect(await store.flush(100)).toBe(false);
    expect(store.pending()).toEqual({ alertChanges: 2, notifications: 0 });
    expect(logs).toEqual([
      'flowtel: could not store 2 alert state change(s) and 0 notification(s) in flowtel.db (database is locked); kept in memory and retried',
    ]);
    other.exec('ROLLBACK');
    other.close();

    expect(await store.flush(1_000)).toBe(true);
    store.close();
    const reopened = await openStore({ home });
    expect(reopened.alertState.load().map((s) => s.fingerprint)).toEqual(['a', 'b']);
    reopened.close();
    expect(logs).toHaveLength(1);
  });

  it('loads better-sqlite3 only when a store is opened on a Node without node:sqlite, not when delivery is imported', () => {
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
      const builtIn = await import('node:sqlite').then(() => true, () => false);
      console.log(JSON.stringify({ before, after: loaded(), builtIn }));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, FLOWTEL_HOME: home },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    const { before, after, builtIn } = JSON.parse(result.stdout.trim());
    expect({ before, after }).toEqual({ before: false, after: !builtIn });
  });
});
