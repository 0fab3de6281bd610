import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createDelivery } from '../../src/notify/deliver.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';
import { type GatedReceiver, startGatedReceiver } from './helpers/gated-receiver.ts';
import { alert } from './helpers/notifications.ts';

let server: SlackServer;
let home: string;
beforeEach(async () => {
  server = await startSlackServer();
  home = mkdtempSync(join(tmpdir(), 'flowtel-crash-'));
});
afterEach(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

const channels = { data: { type: 'slack' as const, webhookUrl: { env: 'SLACK_WEBHOOK_URL' } } };

/** Node's arguments and environment to run `fixtures/<name>` on this test's FLOWTEL_HOME. */
function fixture(name: string, slackUrl: string): [string[], NodeJS.ProcessEnv] {
  const args = ['--import', 'tsx', join(import.meta.dirname, 'fixtures', name)];
  return [args, { ...process.env, FLOWTEL_HOME: home, SLACK_WEBHOOK_URL: slackUrl }];
}

function crashChild(crashAt: 'store' | 'claim', claimAs = '') {
  const [args, env] = fixture('store-then-crash.ts', server.url);
  const result = spawnSync(process.execPath, args, {
    env: {
      ...env,
      CRASH_AT: crashAt,
      CLAIM_AS: claimAs,
      NOTIFICATION_ID: `crash-${crashAt}`,
    },
    encoding: 'utf8',
  });
  expect(result.signal).toBe('SIGKILL');
  expect(result.stderr).toBe('');
}

async function restart(clock?: ManualClock) {
  return createDelivery({
    rules: { channels },
    env: { SLACK_WEBHOOK_URL: server.url },
    home,
    log: () => {},
    ...(clock === undefined ? {} : { clock }),
  });
}

describe('a process killed between storing and sending', () => {
  it('the next start sends the notification, once', async () => {
    crashChild('store');
    expect(server.requests).toHaveLength(0);

    const next = await restart();
    expect(next.store.get('crash-store/data')?.status).toBe('pending');
    await next.flush(5000);
    expect(server.accepted()).toHaveLength(1);
    expect(next.store.get('crash-store/data')?.status).toBe('sent');
    await next.close();

    const third = await restart();
    await third.flush(5000);
    expect(server.requests).toHaveLength(1);
    await third.close();
  });

  it('a claim of a process of this host that died is free at once', async () => {
    crashChild('claim');
    const next = await restart(new ManualClock(Date.now()));
    await next.runDue();
    expect(server.accepted()).toHaveLength(1);
    expect(next.store.get('crash-claim/data')).toMatchObject({ status: 'sent', attempts: 1 });
    await next.close();
  });

  it('a claim of a process on another host is honoured until its lease lapses', async () => {
    // Another host's pids cannot be looked at from here: only the lease can tell that it died.
    const elsewhere = 'other-host:4242:1234:deadbeef';
    crashChild('claim', elsewhere);
    const clock = new ManualClock(Date.now());
    const next = await restart(clock);
    await next.runDue();
    expect(server.requests).toHaveLength(0);
    expect(next.store.get('crash-claim/data')?.claimedBy).toBe(elsewhere);

    clock.advanceBy(60_001);
    await next.runDue();
    expect(server.accepted()).toHaveLength(1);
    expect(next.store.get('crash-claim/data')?.status).toBe('sent');
    await next.close();
  });
});

/** Runs `fixtures/send.ts` against `receiver`; resolves with the signal that ended it. */
function sendingChild(receiver: GatedReceiver, id: string, crashAt = '') {
  const [args, env] = fixture('send.ts', receiver.url);
  const child = spawn(process.execPath, args, {
    env: { ...env, NOTIFICATION_ID: id, CRASH_AT: crashAt },
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  return { child, exited };
}

describe('a process killed with SIGKILL while sending', () => {
  let receiver: GatedReceiver;
  afterEach(async () => {
    await receiver.close();
  });

  it('before its receiver answers: the next start on this host sends it at once, without waiting for the dead claim to lapse', async () => {
    receiver = await startGatedReceiver({ held: true });
    const { child, exited } = sendingChild(receiver, 'mid-send');
    await receiver.received(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    receiver.answer();

    const next = await createDelivery({
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: receiver.url },
      home,
      log: () => {},
    });
    // The dead process's lease runs for another minute; a 5 s flush ends only if it is not honoured.
    expect(await next.flush(5000)).toEqual({ pending: 0 });
    expect(next.store.get('mid-send/data')).toMatchObject({ status: 'sent', attempts: 1 });
    await next.close();
    expect(receiver.bodies).toHaveLength(2);
  });

  it('after its receiver answered and before the outbox marked it: the one instant that sends twice, with the same alert id', async () => {
    receiver = await startGatedReceiver({ held: false });
    const { exited } = sendingChild(receiver, 'answered', 'answer');
    expect(await exited).toBe('SIGKILL');
    expect(receiver.bodies).toHaveLength(1);

    const next = await createDelivery({
      rules: { channels },
      env: { SLACK_WEBHOOK_URL: receiver.url },
      home,
      log: () => {},
    });
    expect(await next.flush(5000)).toEqual({ pending: 0 });
    await next.close();
    expect(receiver.bodies).toHaveLength(2);
    const alertId = alert().id;
    expect(receiver.bodies.every((body) => body.includes(alertId))).toBe(true);
  });
});
