import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, type DriverName, openDriver } from '../../src/store/driver.ts';
import { addonMismatch } from '../../src/store/driver-better.ts';

/** Every driver this Node can load: better-sqlite3 always (a dev dependency), node:sqlite from 22.13. */
const drivers: DriverName[] = [
  'better-sqlite3',
  ...(process.getBuiltinModule?.('node:sqlite') ? (['node:sqlite'] as const) : []),
];

const open: Database[] = [];
const homes: string[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

async function connect(driver: DriverName, path?: string): Promise<{ db: Database; path: string }> {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'flowtel-driver-')), 'test.db');
  if (path === undefined) homes.push(join(file, '..'));
  const db = await openDriver(file, driver);
  open.push(db);
  db.exec('CREATE TABLE IF NOT EXISTS item (id TEXT PRIMARY KEY, n INTEGER)');
  return { db, path: file };
}

describe.each(drivers)('the SQLite seam on %s', (driver) => {
  it('answers pragmas as rows, or as one value when simple', async () => {
    const { db } = await connect(driver);
    expect(db.pragma('journal_mode = WAL', { simple: true })).toBe('wal');
    db.pragma('user_version = 7');
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expect(db.pragma('user_version')).toEqual([{ user_version: 7 }]);
  });

  it('binds named parameters from an object, ignores extra ones, and refuses a missing one', async () => {
    const { db } = await connect(driver);
    db.prepare('INSERT INTO item (id, n) VALUES (@id, @n)').run({ id: 'a', n: 1, unused: true });
    expect(db.prepare('SELECT n FROM item WHERE id = ?').get('a')).toEqual({ n: 1 });
    expect(() => db.prepare('INSERT INTO item (id, n) VALUES (@id, @n)').run({ id: 'b' })).toThrow(
      'Missing named parameter "n"',
    );
    expect(db.prepare("SELECT COUNT(*) AS c FROM item WHERE id != '@n'").get()).toEqual({ c: 1 });
  });

  it('commits a transaction, rolls back one that throws, and nests as savepoints', async () => {
    const { db } = await connect(driver);
    const insert = db.prepare('INSERT INTO item (id, n) VALUES (?, ?)');
    const failing = db.transaction((id: string) => {
      insert.run(id, 2);
      throw new Error(`${id} failed`);
    });
    const outer = db.transaction((id: string) => {
      insert.run(id, 1);
      expect(() => failing(`${id}-inner`)).toThrow('kept-inner failed');
      return 'done';
    });
    expect(outer.immediate('kept')).toBe('done');
    expect(() => failing('lost')).toThrow('lost failed');
    const ids = db.prepare('SELECT id FROM item ORDER BY id').all();
    expect(ids).toEqual([{ id: 'kept' }]);
  });

  it('names SQLite failures as better-sqlite3 does: SQLITE_BUSY for a held lock, SQLITE_CONSTRAINT_* for a duplicate', async () => {
    const { db, path } = await connect(driver);
    const { db: other } = await connect(driver, path);
    other.pragma('busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    expect(() => other.transaction(() => {}).immediate()).toThrow(
      expect.objectContaining({ code: 'SQLITE_BUSY' }),
    );
    db.exec('ROLLBACK');
    db.prepare('INSERT INTO item (id, n) VALUES (?, ?)').run('a', 1);
    expect(() => db.prepare('INSERT INTO item (id, n) VALUES (?, ?)').run('a', 2)).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
    );
  });

  it('says it is closed', async () => {
    const { db } = await connect(driver);
    db.close();
    expect(db.open).toBe(false);
  });
});

describe('better-sqlite3 built under another Node.js', () => {
  it('says in one line to rebuild it, or to use a Node.js with SQLite built in', () => {
    const error = new Error(
      "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
    );
    const message = addonMismatch(error)?.message ?? '';
    expect(message).not.toContain('\n');
    expect(message).toContain('module version 115');
    expect(message).toContain('npm rebuild better-sqlite3');
    expect(message).toContain('Node.js >= 22.13');
  });
});
