import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import type { RunHistory } from '../../src/history/types.ts';
import { openRunHistory, SqliteRunHistory } from '../../src/store/index.ts';
import { openDatabase } from '../../src/store/sqlite.ts';
import { flowRecord, taskRecord } from '../history/contract.ts';

const root = mkdtempSync(join(tmpdir(), 'flowtel-run-history-'));
let homes = 0;
const newHome = () => join(root, `h${++homes}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opened: RunHistory[] = [];
afterEach(() => {
  for (const history of opened.splice(0)) history.close();
});

async function open(home: string) {
  const logs: string[] = [];
  const history = await openRunHistory({
    home,
    clock: new ManualClock('2026-11-25T02:00:00Z'),
    log: (line) => void logs.push(line),
  });
  opened.push(history);
  return { history, logs };
}

/** One finished run with a failed task, and one still running. */
function recordRuns(history: RunHistory, prefix: string) {
  history.record(flowRecord(`${prefix}-done`, 1, 'Running', 0), 'otlp');
  history.record(taskRecord(`${prefix}-done`, 't1', 'Failed', 1, 10, { seq: 2 }), 'otlp');
  history.record(flowRecord(`${prefix}-done`, 3, 'Failed', 20), 'otlp');
  history.record(flowRecord(`${prefix}-running`, 1, 'Running', 30), 'schedule');
}

/** What another connection finds in the file. */
async function onDisk(home: string) {
  const db = await openDatabase({ home });
  const count = (table: string) =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const counts = { runs: count('runs'), taskRuns: count('task_runs'), transitions: count('run_transitions') };
  db.close();
  return counts;
}

describe('the SQLite run history', () => {
  it('keeps everything across a close and a reopen, runs in flight included', async () => {
    const home = newHome();
    const first = await open(home);
    recordRuns(first.history, 'a');
    const before = first.history.get('a-done');
    first.history.close();
    opened.splice(0);
    const again = await open(home);
    expect(again.history.get('a-done')).toEqual(before);
    expect(again.history.count()).toBe(2);
    expect(again.history.inFlight().map((run) => [run.id, run.lastSeq])).toEqual([['a-running', 1]]);
    // Deduplication goes on where it stopped.
    expect(again.history.record(flowRecord('a-done', 3, 'Failed', 20), 'otlp')).toBe('duplicate');
    expect(again.history.record(taskRecord('a-done', 't1', 'Failed', 1, 10), 'otlp')).toBe('duplicate');
    expect(again.history.record(flowRecord('a-running', 2, 'Completed', 40), 'otlp')).toBe('new');
  });

  it('loses nothing while another process holds the file locked, and stores it all once the lock goes', async () => {
    const home = newHome();
    const { history, logs } = await open(home);
    const other = await openDatabase({ home });
    other.exec('BEGIN IMMEDIATE');
    recordRuns(history, 'b');
    expect(await history.flush(150)).toBe(false);
    expect(logs).toEqual([
      'flowtel: could not store 2 run(s) and 4 transition(s) of the run history in flowtel.db (database is locked); kept in memory and retried',
    ]);
    // Reads still see every run.
    expect(history.list({ limit: 10 }).runs.map((run) => run.id)).toEqual(['b-running', 'b-done']);
    expect(history.get('b-done')?.taskRuns).toHaveLength(1);
    other.exec('ROLLBACK');
    other.close();
    expect(await history.flush(2_000)).toBe(true);
    expect(await onDisk(home)).toEqual({ runs: 2, taskRuns: 1, transitions: 4 });
    expect(logs).toHaveLength(1);
  });

  it('loses nothing on a full disk, and stores it all once there is room', async () => {
    const home = newHome();
    const db = await openDatabase({ home });
    const logs: string[] = [];
    const history = new SqliteRunHistory(db, { busyTimeoutMs: 5_000, log: (line) => void logs.push(line) });
    opened.push(history);
    // The file may not grow: as good as a full disk.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
    for (let i = 0; i < 50; i++) recordRuns(history, `c${i}`);
    expect(await history.flush(100)).toBe(false);
    expect(logs).toEqual([
      'flowtel: could not store 100 run(s) and 200 transition(s) of the run history in flowtel.db (database or disk is full); kept in memory and retried',
    ]);
    expect(history.count()).toBe(100);
    expect(history.list({ limit: 1000 }).runs).toHaveLength(100);
    db.pragma('max_page_count = 1000000');
    expect(await history.flush(2_000)).toBe(true);
    expect(await onDisk(home)).toEqual({ runs: 100, taskRuns: 50, transitions: 200 });
    history.close();
    db.close();
    opened.splice(0);
  });

  it('says what it loses when it is closed with the file still locked', async () => {
    const home = newHome();
    const { history, logs } = await open(home);
    const other = await openDatabase({ home });
    other.exec('BEGIN IMMEDIATE');
    recordRuns(history, 'd');
    history.close();
    opened.splice(0);
    other.exec('ROLLBACK');
    other.close();
    expect(logs.at(-1)).toBe(
      'flowtel: 2 run(s) and 4 transition(s) of the run history could not be stored in flowtel.db (database is locked) and are lost',
    );
  });

  it('killed with kill -9, loses only the runs recorded in the turn it was killed in', async () => {
    const home = newHome();
    const child = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, 'fixtures', 'records-then-hangs.ts'),
        home,
        '40',
        '7',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('RECORDED')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before recording: ${out}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const { history } = await open(home);
    const ids = history.list({ limit: 100 }).runs.map((run) => run.id);
    expect(ids.filter((id) => id.startsWith('committed-'))).toHaveLength(40);
    expect(ids.filter((id) => id.startsWith('unflushed-'))).toHaveLength(0);
    expect(history.inFlight()).toHaveLength(40);
  });
});
