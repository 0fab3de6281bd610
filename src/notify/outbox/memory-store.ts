import type { Notification } from '../../alerts/types.ts';
import {
  type AbandonedRequest,
  type ClaimRequest,
  type ExpireRequest,
  type OutboxEntry,
  type OutboxStatus,
  type OutboxStore,
  outboxId,
  type RetryUpdate,
} from './store.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An outbox in memory, for tests and for processes that accept losing pending alerts on a crash. */
export class InMemoryOutboxStore implements OutboxStore {
  readonly #entries = new Map<string, Mutable<OutboxEntry>>();

  enqueue(notification: Notification, channels: readonly string[], now: number): void {
    for (const channel of channels) {
      const id = outboxId(notification.id, channel);
      if (this.#entries.has(id)) continue;
      this.#entries.set(id, {
        id,
        channel,
        rule: notification.rule,
        notification: structuredClone(notification),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      });
    }
  }

  claim(request: ClaimRequest): OutboxEntry[] {
    const claimed = [...this.#entries.values()]
      .filter(
        (e) =>
          this.#claimable(e, request.now) && (request.channel === undefined || e.channel === request.channel),
      )
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, request.limit);
    for (const entry of claimed) {
      entry.claimedBy = request.owner;
      entry.claimedUntil = request.now + request.leaseMs;
    }
    return claimed.map((e) => ({ ...e }));
  }

  dueChannels(now: number): string[] {
    return [
      ...new Set([...this.#entries.values()].filter((e) => this.#claimable(e, now)).map((e) => e.channel)),
    ];
  }

  nextDueAt(channels?: readonly string[]): number | undefined {
    const due = [...this.#entries.values()]
      .filter((e) => e.status === 'pending' && (channels === undefined || channels.includes(e.channel)))
      .map((e) => Math.max(e.nextAttemptAt, e.claimedUntil === undefined ? 0 : e.claimedUntil + 1));
    return due.length === 0 ? undefined : Math.min(...due);
  }

  markSent(ids: readonly string[], _owner: string, now: number): void {
    for (const entry of this.#finish(ids, 'sent', now)) delete entry.lastError;
  }

  markFailed(ids: readonly string[], _owner: string, lastError: string, now: number): void {
    for (const entry of this.#finish(ids, 'failed', now)) entry.lastError = lastError;
  }

  scheduleRetry(ids: readonly string[], owner: string, update: RetryUpdate): void {
    for (const entry of this.#pending(ids)) {
      if (entry.claimedBy !== owner) continue;
      entry.attempts += 1;
      entry.firstAttemptAt ??= update.attemptAt;
      entry.nextAttemptAt = update.nextAttemptAt;
      entry.lastError = update.lastError;
      delete entry.claimedBy;
      delete entry.claimedUntil;
    }
  }

  release(ids: readonly string[], owner: string): void {
    for (const entry of this.#pending(ids)) {
      if (entry.claimedBy !== owner) continue;
      delete entry.claimedBy;
      delete entry.claimedUntil;
    }
  }

  releaseAbandoned({ now, isGone, reason }: AbandonedRequest): OutboxEntry[] {
    const abandoned = [...this.#entries.values()].filter(
      (e) =>
        e.status === 'pending' &&
        e.claimedBy !== undefined &&
        (e.claimedUntil ?? 0) >= now &&
        isGone(e.claimedBy),
    );
    for (const entry of abandoned) {
      entry.lastError = reason;
      delete entry.claimedBy;
      delete entry.claimedUntil;
    }
    return abandoned.map((e) => ({ ...e }));
  }

  get(id: string): OutboxEntry | undefined {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : { ...entry };
  }

  list(filter: { status?: OutboxStatus } = {}): OutboxEntry[] {
    return [...this.#entries.values()]
      .filter((e) => filter.status === undefined || e.status === filter.status)
      .map((e) => ({ ...e }));
  }

  prune(before: number): number {
    let removed = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.status !== 'pending' && entry.doneAt !== undefined && entry.doneAt < before) {
        this.#entries.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  expire({ createdBefore, now, reason, keep }: ExpireRequest): OutboxEntry[] {
    const stale = [...this.#entries.values()].filter(
      (e) =>
        e.status === 'pending' &&
        e.createdAt < createdBefore &&
        !keep.includes(e.channel) &&
        (e.claimedBy === undefined || (e.claimedUntil ?? 0) < now),
    );
    for (const entry of stale) {
      entry.status = 'failed';
      entry.lastError = reason;
      entry.doneAt = now;
      delete entry.claimedBy;
      delete entry.claimedUntil;
    }
    return stale.map((e) => ({ ...e }));
  }

  close(): void {}

  #claimable(entry: OutboxEntry, now: number): boolean {
    return (
      entry.status === 'pending' &&
      entry.nextAttemptAt <= now &&
      (entry.claimedBy === undefined || (entry.claimedUntil ?? 0) < now)
    );
  }

  #pending(ids: readonly string[]): Mutable<OutboxEntry>[] {
    return ids
      .map((id) => this.#entries.get(id))
      .filter((e): e is Mutable<OutboxEntry> => e?.status === 'pending');
  }

  /** Finishing does not require still holding the lease: the send happened, recording it is the truth. */
  #finish(ids: readonly string[], status: OutboxStatus, now: number): Mutable<OutboxEntry>[] {
    const done = this.#pending(ids);
    for (const entry of done) {
      entry.status = status;
      entry.attempts += 1;
      entry.firstAttemptAt ??= now;
      entry.doneAt = now;
      delete entry.claimedBy;
      delete entry.claimedUntil;
    }
    return done;
  }
}
