import type { Notification } from '../../alerts/types.ts';

/**
 * The outbox: one entry per notification × channel, stored before anything is sent. Entries are
 * claimed (leased) by one process before sending, so several processes may share one store; a lease
 * that expires (its process crashed) can be claimed again. Methods are synchronous: the SQLite store is
 * embedded, and a synchronous `enqueue` means a notification is on disk before the sink returns.
 */

export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxEntry {
  /** `<notification id>/<channel>`: enqueueing the same notification twice stores it once. */
  readonly id: string;
  readonly channel: string;
  readonly rule: string;
  readonly notification: Notification;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly firstAttemptAt?: number;
  readonly nextAttemptAt: number;
  readonly lastError?: string;
  readonly claimedBy?: string;
  readonly claimedUntil?: number;
  readonly createdAt: number;
  readonly doneAt?: number;
}

export interface ClaimRequest {
  /** Unique per process (and per delivery in it). */
  readonly owner: string;
  readonly now: number;
  /** The claim lapses at now + leaseMs: longer than a send can take. */
  readonly leaseMs: number;
  readonly channel?: string;
  readonly limit: number;
}

/** After a failed attempt that will be retried. */
export interface RetryUpdate {
  readonly nextAttemptAt: number;
  readonly lastError: string;
  readonly attemptAt: number;
}

export interface ExpireRequest {
  readonly createdBefore: number;
  readonly now: number;
  readonly reason: string;
  /**
   * Channels the loaded rules define: never expired, however long they wait (a weekly job after a
   * Slack outage still owes its alert; a channel unconfigured here may be configured where `serve` runs).
   */
  readonly keep: readonly string[];
}

export interface AbandonedRequest {
  readonly now: number;
  /** Whether the process a claim names is known to have ended (see `isClaimantGone`). */
  readonly isGone: (claimant: string) => boolean;
  /** Stored as the freed entries' last error. */
  readonly reason: string;
}

export interface OutboxStore {
  /** Stores new entries (ignores ids already stored, whatever their status). */
  enqueue(notification: Notification, channels: readonly string[], now: number): void;
  /** Atomically leases up to `limit` pending entries due at `now` whose lease is free or lapsed. */
  claim(request: ClaimRequest): OutboxEntry[];
  /** Channels that have pending entries due at `now` and not leased by someone else. */
  dueChannels(now: number): string[];
  /**
   * When the earliest pending entry of these channels (all when omitted) can next be claimed: its
   * `nextAttemptAt`, or just after its lease lapses. To know when to wake up.
   */
  nextDueAt(channels?: readonly string[]): number | undefined;
  markSent(ids: readonly string[], owner: string, now: number): void;
  markFailed(ids: readonly string[], owner: string, lastError: string, now: number): void;
  scheduleRetry(ids: readonly string[], owner: string, update: RetryUpdate): void;
  /** Gives a lease back without an attempt (shutting down before sending). */
  release(ids: readonly string[], owner: string): void;
  /**
   * Frees the leases still running at `now` whose claimant has ended (killed mid-send), so they need
   * not wait for the lease to lapse: claimable at once, no attempt counted, `reason` as their last
   * error; returns them. The receiver may have had them: at least once.
   */
  releaseAbandoned(request: AbandonedRequest): OutboxEntry[];
  get(id: string): OutboxEntry | undefined;
  list(filter?: { status?: OutboxStatus }): OutboxEntry[];
  /** Deletes sent and failed entries finished before `before`; returns how many. */
  prune(before: number): number;
  /**
   * Gives up on pending entries created before `createdBefore`, not leased at `now`, of channels not in
   * `keep`: marked failed with `reason`, returned. Their channel was removed from the rules; sending
   * them weeks late, if it came back, would page someone about the past.
   */
  expire(request: ExpireRequest): OutboxEntry[];
  close(): void;
}

export function outboxId(notificationId: string, channel: string): string {
  return `${notificationId}/${channel}`;
}
