import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a claim on an outbox entry: `<host>:<pid>:<process start time>:<tag>`. The tag tells two
 * deliveries of one process apart; host, pid and start time let another process on the same host tell
 * that the claimant is gone (killed mid-send), so its claims are free at once instead of after the
 * lease. A pid alone is not enough: pids are reused, the start time of the process holding it is not.
 */

/** A claimant id for a new delivery in this process. */
export function newClaimant(): string {
  return `${hostname()}:${process.pid}:${processStartTime(process.pid) ?? ''}:${randomUUID().slice(0, 8)}`;
}

const CLAIMANT = /^(.+):(\d+):(\d*):[0-9a-f]{8}$/;

/**
 * True only when `claimant` names a process of this host that has ended (or whose pid now belongs to
 * a process started later). Claims of other hosts, and ids of another shape, cannot be judged here:
 * they are honoured until their lease lapses.
 */
export function isClaimantGone(claimant: string, host: string = hostname()): boolean {
  const match = CLAIMANT.exec(claimant);
  if (match === null || match[1] !== host) return false;
  return isProcessGone(Number(match[2]), match[3] ?? '');
}

// Linux exposes every process's start time; elsewhere only "is this pid alive" can be asked.
const hasProcfs = existsSync('/proc/self/stat');

/** `startTime`: as `processStartTime` read it when the claim was made ('' when it could not). */
function isProcessGone(pid: number, startTime: string): boolean {
  const stat = hasProcfs ? readStat(pid) : undefined;
  if (stat !== undefined) {
    // A zombie has ended; only its parent has not reaped it yet.
    if (stat.state === 'Z' || stat.state === 'X') return true;
    return startTime !== '' && stat.startTime !== startTime;
  }
  // No start time to compare (not Linux, or /proc hides the pid from this user): does the pid exist?
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as { code?: unknown }).code === 'ESRCH';
  }
}

/** The process's start time in clock ticks after boot (`/proc/<pid>/stat` field 22), on Linux. */
export function processStartTime(pid: number): string | undefined {
  return hasProcfs ? readStat(pid)?.startTime : undefined;
}

function readStat(pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, startTime] = [fields[0], fields[19]];
  return state === undefined || startTime === undefined ? undefined : { state, startTime };
}
