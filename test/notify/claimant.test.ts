import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isClaimantGone, newClaimant, processStartTime } from '../../src/notify/outbox/claimant.ts';

/** A process that has run and ended (and been reaped), with what a claim of it would have named. */
async function endedProcess(): Promise<{ pid: number; startTime: string }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const pid = child.pid ?? 0;
  const startTime = processStartTime(pid) ?? '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return { pid, startTime };
}

describe('a claim names its process', () => {
  it('as host, pid and start time, and this process is not gone', () => {
    const me = newClaimant();
    expect(me.startsWith(`${hostname()}:${process.pid}:`)).toBe(true);
    expect(isClaimantGone(me)).toBe(false);
    // Two deliveries of one process claim under different ids.
    expect(newClaimant()).not.toBe(me);
  });

  it('a process of this host that has ended is gone', async () => {
    const { pid, startTime } = await endedProcess();
    expect(isClaimantGone(`${hostname()}:${pid}:${startTime}:0123abcd`)).toBe(true);
  });

  it.runIf(processStartTime(process.pid) !== undefined)(
    'a pid now held by a process started later is gone (pids are reused)',
    () => {
      const claimedBefore = `${hostname()}:${process.pid}:1:0123abcd`;
      expect(isClaimantGone(claimedBefore)).toBe(true);
    },
  );

  it('cannot tell for another host, or for an id of another shape: the lease decides', async () => {
    const { pid, startTime } = await endedProcess();
    expect(isClaimantGone(`another-host:${pid}:${startTime}:0123abcd`)).toBe(false);
    expect(isClaimantGone('crashed-process')).toBe(false);
    expect(isClaimantGone(`${hostname()}:${pid}:0123abcd`)).toBe(false);
  });
});
