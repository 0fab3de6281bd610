import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/alerts/state.ts';
import { ManualClock } from '../../src/clock.ts';
import { createDelivery, type Delivery } from '../../src/notify/deliver.ts';
import { createRulesEngine, type RulesEngine } from '../../src/rules/engine.ts';
import { rulesFromFile } from '../../src/rules/resolve.ts';
import { RulesFileSchema } from '../../src/rules/schema.ts';
import { StateNames } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import { type FlowtelStore, openStore } from '../../src/store/index.ts';
import { openDatabase } from '../../src/store/sqlite.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';

const root = mkdtempSync(join(tmpdir(), 'flowtel-write-behind-'));
let homes = 0;
let slack: SlackServer;
beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(async () => {
  await slack.close();
  rmSync(root, { recursive: true, force: true });
});
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
  slack.requests.length = 0;
});

const failed = (runId: string, at: string, message = 'boom'): TransitionRecord => ({
  v: 1,
  seq: 1,
  at,
  flow: 'nightly-orders',
  flowRunId: runId,
  attempt: 1,
  state: { type: 'FAILED', name: 'Failed' },
  error: { type: 'TypeError', message },
  tags: [],
  scheduledAt: null,
});

/** One process as `flowtel run` wires it: one store, handed to the engine and to delivery. */
async function startProcess(home: string, clock: ManualClock, groupWait = '0s') {
  const logs: string[] = [];
  const log = (line: string) => void logs.push(line);
  const env = { SLACK_WEBHOOK_URL: slack.url };
  const { rules } = rulesFromFile(
    RulesFileSchema.parse({
      channels: { data: { type: 'slack', webhookUrl: { env: 'SLACK_WEBHOOK_URL' } } },
      defaults: { notify: ['data'], groupWait },
      rules: [{ name: 'orders-failed', when: { type: 'flow-failed', flow: 'nightly-orders' } }],
    }),
  );
  const store: FlowtelStore = await openStore({ home, log });
  const delivery: Delivery = await createDelivery({ rules, env, log, store: store.outbox });
  store.onCommit(() => void delivery.runDue());
  const engine: RulesEngine = createRulesEngine({
    rules,
    clock,
    store: store.alertState,
    sink: (notification) => delivery.sink(notification),
  });
  const proc = {
    engine,
    store,
    delivery,
    logs,
    /** What `finish` does: stop the engine, store what is pending, deliver, close. */
    async exit(deadlineMs = 2_000) {
      engine.close();
      if (await store.flush(deadlineMs)) await delivery.flush(deadlineMs);
      await delivery.close();
      store.close();
    },
    close: async () => {
      engine.close();
      await delivery.close();
      if (store.db.open) store.close();
    },
  };
  open.push(proc);
  return proc;
}

/** What the file holds, read from another connection. */
async function onDisk(home: string) {
  const db = await openDatabase({ home });
  const states = (db.prepare('SELECT state FROM alert_state').all() as { state: string }[]).map(
    (r) => JSON.parse(r.state) as AlertState,
  );
  const outbox = db.prepare('SELECT channel, status, payload FROM outbox').all() as {
    channel: string;
    status: string;
    payload: string;
  }[];
  db.close();
  return {
    states: states.map((s) => ({ status: s.status, notified: s.notified })),
    outbox: outbox.map((e) => ({ kind: (JSON.parse(e.payload) as { kind: string }).kind, status: e.status })),
  };
}

describe('the write-behind store', () => {
  it("commits a step's alert state and its notification after the step, together", async () => {
    const home = join(root, `h${++homes}`);
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const proc = await startProcess(home, clock);
    proc.engine.process(failed('r1', '2026-11-25T02:00:00Z'));
    // Nothing touched the file inside the step.
    expect(proc.store.pending()).toEqual({ alertChanges: 1, notifications: 1 });
    expect(await onDisk(home)).toEqual({ states: [], outbox: [] });
    await proc.exit();
    expect(await onDisk(home)).toEqual({
      states: [{ status: 'firing', notified: true }],
      outbox: [{ kind: 'firing', status: 'sent' }],
    });
    expect(slack.accepted()).toHaveLength(1);
  });

  it('delivers an alert that fired while another process held the lock past the busy timeout, once it is released', async () => {
    const home = join(root, `h${++homes}`);
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const proc = await startProcess(home, clock);
    const other = await openDatabase({ home });
    other.exec('BEGIN EXCLUSIVE');
    other.prepare("INSERT INTO alert_state VALUES ('held', 'r', '{}', 0)").run();

    proc.engine.process(failed('r1', '2026-11-25T02:00:00Z'));
    expect(await proc.store.flush(200)).toBe(false);
    expect(proc.logs).toEqual([
      'flowtel: could not store 1 alert state change(s) and 1 notification(s) in flowtel.db (database is locked); kept in memory and retried',
    ]);
    expect(slack.requests).toEqual([]); // nothing is sent that is not stored

    other.exec('ROLLBACK');
    other.close();
    await proc.exit();
    expect(slack.accepted()).toHaveLength(1);
    expect(await onDisk(home)).toEqual({
      states: [{ status: 'firing', notified: true }],
      outbox: [{ kind: 'firing', status: 'sent' }],
    });
  });

  it('on a full disk stores neither half of a step, says what was lost, and the next process sends what was not stored as notified', async () => {
    const home = join(root, `h${++homes}`);
    const clock = new ManualClock('2026-11-25T02:00:00Z');
    const first = await startProcess(home, clock, '1m');
    first.engine.process(failed('r1', '2026-11-25T02:00:00Z', 'x'.repeat(20_000)));
    expect(await first.store.flush(1_000)).toBe(true); // the firing state, not yet announced
    // The disk fills up: the file may not grow by a page.
    const pages = first.store.db.pragma('page_count', { simple: true }) as number;
    first.store.db.pragma(`max_page_count = ${pages}`);
    clock.advanceBy(60_000); // groupWait ends: the notification, and the state marked notified
    expect(first.store.pending()).toEqual({ alertChanges: 1, notifications: 1 });
    await first.exit(200);
    expect(first.logs.at(-1)).toBe(
      'flowtel: 1 alert state change(s) and 1 notification(s) could not be stored in flowtel.db (database or disk is full) and are lost: those notifications are not delivered; the next run sends what the stored state has not announced',
    );
    expect(await onDisk(home)).toEqual({ states: [{ status: 'firing', notified: false }], outbox: [] });
    expect(slack.requests).toEqual([]);

    const next = await startProcess(home, clock, '1m');
    clock.advanceBy(60_000);
    await next.exit();
    expect(slack.accepted()).toHaveLength(1);
    expect(await onDisk(home)).toEqual({
      states: [{ status: 'firing', notified: true }],
      outbox: [{ kind: 'firing', status: 'sent' }],
    });
  });
});

describe('the engine over the SQLite store', () => {
  it('runs no SQLite statement for transitions no rule acts on, and stores the one that fires', async () => {
    const home = join(root, `h${++homes}`);
    const store = await openStore({ home });
    open.push(store);
    const rules = [
      {
        name: 'square-retrying',
        when: { type: 'task-retrying', flow: 'acc-engine', task: 'square', minAttempt: 2 },
      },
      { name: 'square-failed', when: { type: 'task-failed', flow: 'acc-engine', task: 'square' } },
      ...Array.from({ length: 998 }, (_, i) => ({
        name: `other-${i}`,
        when: { type: 'flow-failed', flow: `flow-${i}` },
      })),
    ];
    const { rules: loaded } = rulesFromFile(RulesFileSchema.parse({ rules }));
    const engine = createRulesEngine({ rules: loaded, store: store.alertState, sink: () => {} });
    const statements = countStatements(store);
    const task = (n: number, name: 'Pending' | 'Running' | 'Completed' | 'Failed'): TransitionRecord => ({
      v: 1,
      seq: n,
      at: new Date(Date.UTC(2026, 10, 25, 2) + n).toISOString(),
      flow: 'acc-engine',
      flowRunId: 'run-1',
      task: 'square',
      taskRunId: `square-${n}`,
      attempt: 1,
      state: { type: StateNames[name], name },
      tags: [],
      scheduledAt: null,
    });
    for (let n = 0; n < 1_000; n++)
      for (const name of ['Pending', 'Running', 'Completed'] as const) engine.process(task(n, name));
    await new Promise((resolve) => setImmediate(resolve));
    expect(statements()).toBe(0);

    engine.process(task(1_000, 'Failed'));
    expect(statements()).toBe(0); // written behind, not inside the step
    expect(await store.flush(1_000)).toBe(true);
    expect(statements()).toBeGreaterThan(0);
    expect(store.alertState.load().map((s) => [s.rule, s.status])).toEqual([['square-failed', 'firing']]);
    engine.close();
  });
});

/** Counts statements run on the store's connection from now on (prepared or not). */
function countStatements(store: FlowtelStore): () => number {
  let count = 0;
  const statement = Object.getPrototypeOf(store.db.prepare('SELECT 1')) as Record<string, unknown>;
  const db = store.db as unknown as Record<string, unknown>;
  const wrap = (target: Record<string, unknown>, method: string) => {
    const original = target[method] as (...args: unknown[]) => unknown;
    target[method] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
    open.push({
      close: () => {
        target[method] = original;
      },
    });
  };
  for (const method of ['run', 'get', 'all', 'iterate']) wrap(statement, method);
  for (const method of ['prepare', 'exec', 'pragma']) wrap(db, method);
  return () => count;
}
