import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { processSecrets } from '../../src/secrets.ts';
import { SqliteAlertEvents, type StoredAlertEvent } from '../../src/store/alert-events.ts';
import {
  type IncomingRunLog,
  MAX_LOG_BODY,
  MAX_LOGS_PER_RUN,
  SqliteRunLogs,
} from '../../src/store/run-logs.ts';
import { type Database, openDatabase } from '../../src/store/sqlite.ts';

/** Run logs and alert events in a real `flowtel.db`, written behind and read back. */

const root = mkdtempSync(join(tmpdir(), 'flowtel-run-logs-'));
let homes = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const open: Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

async function database(): Promise<Database> {
  const db = await openDatabase({ home: join(root, `h${++homes}`) });
  open.push(db);
  return db;
}

const quiet = { busyTimeoutMs: 1000, log: () => {} };

function record(runId: string, body: string, extra: Partial<IncomingRunLog> = {}): IncomingRunLog {
  return {
    runId,
    atMs: Date.parse('2026-11-25T02:00:00Z'),
    level: 'INFO',
    body,
    task: null,
    taskRunId: null,
    attempt: null,
    attributes: {},
    ...extra,
  };
}

describe('run logs', () => {
  it('are stored on the next turn, never inside add, and numbered per run', async () => {
    const logs = new SqliteRunLogs(await database(), quiet);
    logs.add(record('r1', 'first'));
    logs.add(record('r2', 'other run'));
    logs.add(record('r1', 'second'));
    expect(logs.page('r1', { limit: 10 }).logs).toEqual([]);
    expect(await logs.flush(1000)).toBe(true);
    expect(logs.page('r1', { limit: 10 }).logs.map((log) => [log.seq, log.body])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    logs.close();
  });

  it('filter by a literal substring, a minimum level, task and attempt, and page by seq', async () => {
    const logs = new SqliteRunLogs(await database(), quiet);
    logs.add(record('r', '100% done', { level: 'DEBUG' }));
    logs.add(record('r', '1000 done', { level: 'INFO' }));
    logs.add(record('r', 'a_b MATCHES', { level: 'WARN', task: 'load', attempt: 1 }));
    logs.add(record('r', 'axb', { level: 'ERROR', task: 'load', attempt: 2 }));
    await logs.flush(1000);
    const bodies = (query: Parameters<SqliteRunLogs['page']>[1]) =>
      logs.page('r', query).logs.map((log) => log.body);
    expect(bodies({ limit: 10, q: '0%' })).toEqual(['100% done']);
    expect(bodies({ limit: 10, q: 'a_b' })).toEqual(['a_b MATCHES']);
    expect(bodies({ limit: 10, q: 'matches' })).toEqual(['a_b MATCHES']);
    expect(bodies({ limit: 10, level: 'WARN' })).toEqual(['a_b MATCHES', 'axb']);
    expect(bodies({ limit: 10, task: 'load', attempt: 2 })).toEqual(['axb']);
    const first = logs.page('r', { limit: 3 });
    expect(first.nextCursor).toBe('3');
    const rest = logs.page('r', { limit: 3, cursor: first.nextCursor! });
    expect(rest).toMatchObject({ logs: [{ seq: 4, body: 'axb' }], nextCursor: null, dropped: 0 });
    logs.close();
  });

  it('cap each body at 8 KiB and each run at 20,000 records, counting the rest as dropped', async () => {
    const logs = new SqliteRunLogs(await database(), quiet);
    logs.add(record('big', 'y'.repeat(MAX_LOG_BODY * 3)));
    for (let i = 1; i < MAX_LOGS_PER_RUN + 5; i++) logs.add(record('big', `line ${i}`));
    await logs.flush(10_000);
    const page = logs.page('big', { limit: 1 });
    expect(page.logs[0]!.body.length).toBeLessThan(MAX_LOG_BODY + 20);
    expect(page.dropped).toBe(5);
    const last = logs.page('big', { limit: 10, cursor: String(MAX_LOGS_PER_RUN - 1) }).logs;
    expect(last.map((log) => log.body)).toEqual([`line ${MAX_LOGS_PER_RUN - 1}`]);
    logs.close();
  });

  it("never store this process's secrets, in bodies or attribute values", async () => {
    const secret = 'https://hooks.example.test/services/T000/B000/s3cr3tW3bh00k';
    processSecrets().add(secret);
    const logs = new SqliteRunLogs(await database(), quiet);
    logs.add(record('s', `posting to ${secret}`, { attributes: { url: secret, rows: 3, ok: true } }));
    await logs.flush(1000);
    const [log] = logs.page('s', { limit: 1 }).logs;
    expect(log).toMatchObject({
      body: 'posting to [REDACTED]',
      attributes: { url: '[REDACTED]', rows: 3, ok: true },
    });
    logs.close();
  });

  it('are pruned once their run is gone from the history and their last record is old', async () => {
    const db = await database();
    const logs = new SqliteRunLogs(db, quiet);
    logs.add(record('gone', 'old'));
    await logs.flush(1000);
    expect(logs.prune(Date.parse('2026-11-25T01:00:00Z'))).toBe(0);
    expect(logs.prune(Date.parse('2026-11-26T00:00:00Z'))).toBe(1);
    expect(logs.page('gone', { limit: 1 }).logs).toEqual([]);
    logs.close();
  });
});

describe('alert events', () => {
  it('are stored behind, said once stored, listed per run oldest first and in history newest first', async () => {
    const stored: StoredAlertEvent[] = [];
    const events = new SqliteAlertEvents(await database(), {
      ...quiet,
      onStored: (e) => void stored.push(e),
    });
    const base = {
      fingerprint: 'fp',
      rule: 'failed',
      severity: 'critical',
      summary: 'orders failed',
    } as const;
    events.add({ ...base, atMs: 1, flow: 'orders', runId: 'r1', kind: 'firing' });
    events.add({ ...base, atMs: 2, flow: 'orders', runId: 'r1', kind: 'acknowledged' });
    events.add({ ...base, atMs: 3, flow: 'other', runId: 'r2', kind: 'resolved' });
    expect(stored).toEqual([]);
    await events.flush(1000);
    expect(stored.map((e) => e.kind)).toEqual(['firing', 'acknowledged', 'resolved']);
    expect(events.ofRun('r1').map((e) => e.kind)).toEqual(['firing', 'acknowledged']);
    const page = events.history({ limit: 2 });
    expect(page.events.map((e) => e.kind)).toEqual(['resolved', 'acknowledged']);
    expect(events.history({ limit: 2, cursor: Number(page.nextCursor) }).events.map((e) => e.kind)).toEqual([
      'firing',
    ]);
    expect(events.history({ limit: 10, flow: 'other' }).events).toHaveLength(1);
    expect(events.prune(3)).toBe(2);
    events.close();
  });
});
