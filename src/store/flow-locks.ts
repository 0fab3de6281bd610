import { hostname } from 'node:os';
import type { Clock } from '../clock.ts';
import type { Database, Statement, Transaction } from './sqlite.ts';

/**
 * One lock per flow, so that two cron-started copies of a flow never overlap (`flowtel run --lock`,
 * serve's overlap policy). A holder renews its lock while it runs; a lock is taken over when its ttl
 * has lapsed (a holder that hung, or one on another host that died) or when its holder's process is
 * gone from this host (killed -9: no need to wait out the ttl).
 */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The run that holds it, when known as the lock is taken. */
  readonly runId: string | null;
}

export interface HeldLock extends LockHolder {
  /** Epoch ms the holder took it. */
  readonly since: number;
  readonly expiresAt: number;
}

export type AcquireResult = { readonly ok: true } | { readonly ok: false; readonly heldBy: HeldLock };

export interface FlowLocks {
  /** Takes the flow's lock for `ttlMs`, unless another live holder has it. */
  acquire(flow: string, holder: LockHolder, ttlMs: number): AcquireResult;
  /** Extends the holder's lock; false when it is no longer the holder's (it lapsed and was taken over). */
  renew(flow: string, holder: LockHolder, ttlMs: number): boolean;
  /** Lets go of the holder's lock (someone else's is left alone). */
  release(flow: string, holder: LockHolder): void;
}

/** Whether a process of this host is alive: signal 0 tests without sending anything. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

export interface LockOptions {
  readonly clock: Clock;
  /** @default processAlive */
  readonly isAlive?: (pid: number) => boolean;
  /** This machine's name, to tell whose pids can be checked. @default os.hostname() */
  readonly host?: string;
}

/** The one decision both implementations make: may `holder` take a lock `held` now? */
function mayTake(held: HeldLock | undefined, holder: LockHolder, now: number, options: LockOptions): boolean {
  if (held === undefined || sameHolder(held, holder) || held.expiresAt <= now) return true;
  const isAlive = options.isAlive ?? processAlive;
  return held.host === (options.host ?? hostname()) && !isAlive(held.pid);
}

function sameHolder(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.runId === b.runId;
}

export class InMemoryFlowLocks implements FlowLocks {
  readonly #locks = new Map<string, HeldLock>();
  readonly #options: LockOptions;

  constructor(options: LockOptions) {
    this.#options = options;
  }

  acquire(flow: string, holder: LockHolder, ttlMs: number): AcquireResult {
    const now = this.#options.clock.now();
    const held = this.#locks.get(flow);
    if (!mayTake(held, holder, now, this.#options)) return { ok: false, heldBy: held! };
    const since = held !== undefined && sameHolder(held, holder) ? held.since : now;
    this.#locks.set(flow, { ...holder, since, expiresAt: now + ttlMs });
    return { ok: true };
  }

  renew(flow: string, holder: LockHolder, ttlMs: number): boolean {
    const held = this.#locks.get(flow);
    if (held === undefined || !sameHolder(held, holder)) return false;
    this.#locks.set(flow, { ...held, expiresAt: this.#options.clock.now() + ttlMs });
    return true;
  }

  release(flow: string, holder: LockHolder): void {
    const held = this.#locks.get(flow);
    if (held !== undefined && sameHolder(held, holder)) this.#locks.delete(flow);
  }
}

interface LockRow {
  pid: number;
  host: string;
  run_id: string | null;
  since: number;
  expires_at: number;
}

/**
 * Flow locks in `flowtel.db` (table `flow_locks`), shared by every process of the FLOWTEL_HOME: the
 * read and the write of `acquire` happen in one immediate transaction, so two processes racing for a
 * lock cannot both win.
 */
export class SqliteFlowLocks implements FlowLocks {
  readonly #options: LockOptions;
  readonly #acquire: Transaction<(flow: string, holder: LockHolder, ttlMs: number) => AcquireResult>;
  readonly #renew: Statement;
  readonly #release: Statement;

  constructor(db: Database, options: LockOptions) {
    this.#options = options;
    const read = db.prepare('SELECT pid, host, run_id, since, expires_at FROM flow_locks WHERE flow = ?');
    const write = db.prepare(
      `INSERT INTO flow_locks (flow, pid, host, run_id, since, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (flow) DO UPDATE SET pid = excluded.pid, host = excluded.host, run_id = excluded.run_id,
         since = excluded.since, expires_at = excluded.expires_at`,
    );
    this.#acquire = db.transaction((flow: string, holder: LockHolder, ttlMs: number): AcquireResult => {
      const now = this.#options.clock.now();
      const row = read.get(flow) as LockRow | undefined;
      const held: HeldLock | undefined =
        row === undefined
          ? undefined
          : { pid: row.pid, host: row.host, runId: row.run_id, since: row.since, expiresAt: row.expires_at };
      if (!mayTake(held, holder, now, this.#options)) return { ok: false, heldBy: held! };
      const since = held !== undefined && sameHolder(held, holder) ? held.since : now;
      write.run(flow, holder.pid, holder.host, holder.runId, since, now + ttlMs);
      return { ok: true };
    });
    const match = 'flow = ? AND pid = ? AND host = ? AND run_id IS ?';
    this.#renew = db.prepare(`UPDATE flow_locks SET expires_at = ? WHERE ${match}`);
    this.#release = db.prepare(`DELETE FROM flow_locks WHERE ${match}`);
  }

  acquire(flow: string, holder: LockHolder, ttlMs: number): AcquireResult {
    return this.#acquire.immediate(flow, holder, ttlMs);
  }

  renew(flow: string, holder: LockHolder, ttlMs: number): boolean {
    const expiresAt = this.#options.clock.now() + ttlMs;
    return this.#renew.run(expiresAt, flow, holder.pid, holder.host, holder.runId).changes > 0;
  }

  release(flow: string, holder: LockHolder): void {
    this.#release.run(flow, holder.pid, holder.host, holder.runId);
  }
}

/** How long a `flowtel run --lock` holds its flow's lock between renewals, and how often it renews. */
export const RUN_LOCK_TTL_MS = 60_000;
const RUN_LOCK_RENEW_MS = 20_000;

/**
 * The flow's lock for this process's run, renewed in the background until `release`; or who holds it.
 * `onLost` is told if a renewal finds the lock taken over (this process stalled past the ttl).
 */
export function holdRunLock(
  locks: FlowLocks,
  flow: string,
  onLost: () => void,
): { readonly ok: true; release(): void } | { readonly ok: false; readonly heldBy: HeldLock } {
  const holder: LockHolder = { pid: process.pid, host: hostname(), runId: null };
  const taken = locks.acquire(flow, holder, RUN_LOCK_TTL_MS);
  if (!taken.ok) return taken;
  const renewal = setInterval(() => {
    if (!locks.renew(flow, holder, RUN_LOCK_TTL_MS)) {
      clearInterval(renewal);
      onLost();
    }
  }, RUN_LOCK_RENEW_MS).unref();
  return {
    ok: true,
    release() {
      clearInterval(renewal);
      locks.release(flow, holder);
    },
  };
}
