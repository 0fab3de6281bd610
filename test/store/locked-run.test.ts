import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/sqlite.ts';
import { startCli, tempDir } from '../support/cli.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'fails-then-waits.ts');
let slack: SlackServer;
beforeAll(async () => {
  slack = await startSlackServer();
});
afterAll(() => slack.close());

/** `flowtel run` of a flow whose task fails when told, and that then waits to be told again. */
function startRun() {
  const cwd = tempDir('flowtel-locked-run-');
  mkdirSync(join(cwd, 'rules'));
  writeFileSync(
    join(cwd, 'rules', 'alerts.yaml'),
    'channels:\n  data: { type: slack, webhookUrl: { env: SLACK_WEBHOOK_URL } }\n' +
      'defaults: { notify: [data] }\n' +
      'rules:\n  - name: load-failed\n    when: { type: task-failed, flow: fails-then-waits, task: load }\n',
  );
  const run = startCli(['run', FIXTURE], { cwd, env: { SLACK_WEBHOOK_URL: slack.url } });
  return { ...run, home: join(cwd, '.flowtel'), tell: () => run.child.kill('SIGUSR2') };
}

/** Another process's write transaction: holds the file's write lock until rolled back. */
async function lock(home: string): Promise<Database> {
  const other = await openDatabase({ home });
  other.exec('BEGIN EXCLUSIVE');
  other.prepare("INSERT INTO alert_state VALUES ('other', 'other', '{}', 0)").run();
  return other;
}

const refused =
  'could not store 1 alert state change(s) and 1 notification(s) in flowtel.db (database is locked); kept in memory and retried';

describe('flowtel run while another process holds flowtel.db locked', () => {
  it('delivers the alert that fired under the lock once the lock is released', async () => {
    const run = startRun();
    await run.waitForOutput('READY');
    const other = await lock(run.home);
    run.tell(); // the task fails: the alert fires while the file is locked
    await run.waitForOutput(refused);
    other.exec('ROLLBACK');
    other.close();
    run.tell(); // the flow completes
    const result = await run.done;
    expect(result.stderr).not.toContain('could not be stored');
    expect(slack.accepted().map((r) => JSON.stringify(r.body))).toEqual([
      expect.stringContaining('fails-then-waits/load failed'),
    ]);
    const db = await openDatabase({ home: run.home });
    const rows = db.prepare('SELECT status FROM outbox').all();
    const states = db.prepare('SELECT state FROM alert_state').all() as { state: string }[];
    db.close();
    expect(rows).toEqual([{ status: 'sent' }]);
    expect(states.map((s) => JSON.parse(s.state).notified)).toEqual([true]);
    slack.requests.length = 0;
  });

  it('says exactly what it could not store when the lock outlasts the run, and stores neither half', async () => {
    const run = startRun();
    await run.waitForOutput('READY');
    const other = await lock(run.home);
    run.tell();
    await run.waitForOutput(refused);
    run.tell();
    const result = await run.done;
    other.exec('ROLLBACK');
    other.close();
    expect(result.stderr).toContain(
      'flowtel: 1 alert state change(s) and 1 notification(s) could not be stored in flowtel.db (database is locked) and are lost',
    );
    expect(slack.requests).toEqual([]);
    const db = await openDatabase({ home: run.home });
    const counts = db
      .prepare('SELECT (SELECT COUNT(*) FROM outbox) AS outbox, (SELECT COUNT(*) FROM alert_state) AS states')
      .get();
    db.close();
    expect(counts).toEqual({ outbox: 0, states: 0 });
  });
});
