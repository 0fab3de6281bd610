import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { createDelivery } from '../../src/notify/deliver.ts';
import { type SlackServer, startSlackServer } from '../support/slack-server.ts';

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

function crashChild(crashAt: 'store' | 'claim') {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'store-then-crash.ts')],
    {
      env: {
        ...process.env,
        FLOWTEL_HOME: home,
        SLACK_WEBHOOK_URL: server.url,
        CRASH_AT: crashAt,
        NOTIFICATION_ID: `crash-${crashAt}`,
      },
      encoding: 'utf8',
    },
  );
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

  it('a claim held by the dead process is taken over once its lease lapses', async () => {
    crashChild('claim');
    const clock = new ManualClock(Date.now());
    const next = await restart(clock);
    await next.runDue();
    expect(server.requests).toHaveLength(0);
    expect(next.store.get('crash-claim/data')?.claimedBy).toBe('crashed-process');

    clock.advanceBy(60_001);
    await next.runDue();
    expect(server.accepted()).toHaveLength(1);
    expect(next.store.get('crash-claim/data')?.status).toBe('sent');
    await next.close();
  });
});
