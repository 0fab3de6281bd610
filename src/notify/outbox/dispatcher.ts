import type { Clock, TimerHandle } from '../../clock.ts';
import type { DeliveryMetrics } from '../metrics.ts';
import type { ChannelLimits } from '../notifiers.ts';
import { isMessageRefused, type RetryPolicy } from '../retry-policy.ts';
import { describeFailure, type Notifier } from '../types.ts';
import { isClaimantGone } from './claimant.ts';
import { toMessage } from './group.ts';
import { HeldMarks } from './held-marks.ts';
import { recordOutcome } from './record-outcome.ts';
import { INTERRUPTED, sendUnlessStopped } from './send.ts';
import type { OutboxEntry, OutboxStore } from './store.ts';

export interface DispatcherOptions {
  readonly store: OutboxStore;
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly limits: (channel: string) => ChannelLimits;
  readonly clock: Clock;
  /** This delivery's claimant id (`newClaimant()`): lets other processes tell when it is gone. */
  readonly owner: string;
  /** How long a claim holds: longer than any send can take (the notifiers' timeouts). */
  readonly leaseMs: number;
  readonly policy: RetryPolicy;
  readonly random: () => number;
  readonly metrics: DeliveryMetrics;
  readonly log: (line: string) => void;
}

/**
 * The delivery loop: per channel, claim what is due (pacing the channel), send it as one message,
 * record the outcome; then sleep until the next entry or pacing slot is due. Channels run in
 * parallel, each one sequentially, so a slow receiver delays only its own channel.
 */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #running = new Map<string, Promise<void>>();
  readonly #lastSendAt = new Map<string, number>();
  /** How many of a channel's next claims take one entry each, after a grouped message was refused. */
  readonly #alone = new Map<string, number>();
  /** A receiver that answered 429 with Retry-After gets nothing from this channel until then. */
  readonly #pausedUntil = new Map<string, number>();
  #timer: TimerHandle | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Aborted by `close()` after its grace: a send still in progress is cut short (Slack may hang). */
  readonly #stop = new AbortController();
  /** Delivered sends whose mark the store refused, written at the next chance. */
  readonly #marks: HeldMarks;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#marks = new HeldMarks(options);
  }

  /** Sends everything due now on the channels this process can send to; resolves when done. */
  async runDue(): Promise<void> {
    if (this.#closed) return;
    this.#marks.retry();
    this.#takeOverAbandoned();
    const due = this.#o.store.dueChannels(this.#o.clock.now()).filter((c) => this.#o.notifiers.has(c));
    const inFlight = [...this.#running.values()];
    await Promise.all([...due.map((c) => this.#runChannel(c)), ...inFlight]);
    this.#schedule();
  }

  /** When the next send could happen (an entry due, or a paced channel's slot), if anything is pending. */
  nextWakeAt(): number | undefined {
    // A mark the store refused is tried again soon: until it is written, the claim is all that keeps
    // another process from sending the message again.
    let next = this.#marks.size > 0 ? this.#o.clock.now() + MARK_RETRY_MS : undefined;
    for (const channel of this.#o.notifiers.keys()) {
      const due = this.#o.store.nextDueAt([channel]);
      if (due === undefined) continue;
      const at = Math.max(due, this.#readyAt(channel));
      next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  /**
   * Stops claiming and waking up. Sends in progress get `graceMs` more for their answer: an answer
   * that comes is recorded (a late "ok" is marked sent rather than sent again by the next process).
   * Then the sends still waiting are cut short: their entries stay pending, due at once, for the next
   * process (the receiver may have had them: at least once). Entries not yet claimed stay pending too.
   * Resolves once nothing of this dispatcher touches the store any more; later calls return the same.
   */
  close(graceMs = 0): Promise<void> {
    this.#closing ??= this.#shutDown(graceMs);
    return this.#closing;
  }

  async #shutDown(graceMs: number): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    const sending = Promise.all(this.#running.values());
    if (graceMs > 0 && this.#running.size > 0) {
      let graceTimer: TimerHandle | undefined;
      const graceOver = new Promise<void>((resolve) => {
        graceTimer = this.#o.clock.setTimer(this.#o.clock.now() + graceMs, resolve);
      });
      await Promise.race([sending, graceOver]);
      graceTimer?.cancel();
    }
    this.#stop.abort();
    await sending;
    const refused = this.#marks.retry();
    if (refused !== undefined) {
      this.#o.log(
        `flowtel: ${this.#marks.size} notification(s) were delivered but could not be marked sent (${refused}); the next flowtel process may send them again`,
      );
    }
  }

  #runChannel(channel: string): Promise<void> {
    const existing = this.#running.get(channel);
    if (existing !== undefined) return existing;
    const run = this.#drain(channel).finally(() => this.#running.delete(channel));
    this.#running.set(channel, run);
    return run;
  }

  async #drain(channel: string): Promise<void> {
    const notifier = this.#o.notifiers.get(channel);
    if (notifier === undefined) return;
    const { maxGroup } = this.#o.limits(channel);
    // A held mark means the file takes no writes: claims would fail too, until the mark is written.
    while (!this.#closed && this.#marks.size === 0) {
      const now = this.#o.clock.now();
      if (this.#readyAt(channel) > now) return;
      const alone = this.#alone.get(channel) ?? 0;
      const entries = this.#o.store.claim({
        owner: this.#o.owner,
        now,
        leaseMs: this.#o.leaseMs,
        channel,
        limit: alone > 0 ? 1 : maxGroup,
      });
      if (entries.length === 0) return;
      if (alone > 0) this.#alone.set(channel, alone - 1);
      this.#lastSendAt.set(channel, now);
      const outcome = await sendUnlessStopped(notifier, toMessage(channel, entries), this.#stop.signal);
      const o = this.#o;
      const after = o.clock.now();
      if (outcome === INTERRUPTED) {
        o.store.scheduleRetry(
          entries.map((e) => e.id),
          o.owner,
          { nextAttemptAt: after, attemptAt: after, lastError: INTERRUPTED_ERROR },
        );
        return;
      }
      if (!outcome.ok && outcome.failure.status === 429 && outcome.failure.retryAfterMs !== undefined) {
        const pauseMs = Math.min(outcome.failure.retryAfterMs, o.policy.maxRateLimitedMs);
        this.#pausedUntil.set(channel, after + pauseMs);
      }
      if (entries.length > 1 && !outcome.ok && isMessageRefused(outcome.failure)) {
        this.#sendAlone(channel, entries, describeFailure(outcome.failure));
        continue;
      }
      if (outcome.ok) this.#marks.markSent(channel, entries, after);
      else recordOutcome(channel, entries, outcome, { ...o, now: after });
    }
  }

  /**
   * A grouped message the receiver refused (too large, unrenderable) may owe it to one member: the
   * members go back unattempted and the channel's next claims take one entry each, so only the culprit
   * fails. Oldest first, the next claims are these members (or entries older still).
   */
  #sendAlone(channel: string, entries: readonly OutboxEntry[], error: string): void {
    this.#o.store.release(
      entries.map((e) => e.id),
      this.#o.owner,
    );
    this.#alone.set(channel, entries.length);
    this.#o.log(
      `flowtel: channel '${channel}' refused a grouped message of ${entries.length} notifications (${error}); sending each alone`,
    );
  }

  /** Claims of processes on this host that ended mid-send (kill -9) are free now, not when they lapse. */
  #takeOverAbandoned(): void {
    const o = this.#o;
    const freed = o.store.releaseAbandoned({
      now: o.clock.now(),
      isGone: isClaimantGone,
      reason: ABANDONED_ERROR,
    });
    if (freed.length === 0) return;
    o.log(
      `flowtel: sending again ${freed.length} notification(s) whose sending process on this host ended before recording the receiver's answer`,
    );
  }

  #readyAt(channel: string): number {
    const last = this.#lastSendAt.get(channel);
    const paced =
      last === undefined ? Number.NEGATIVE_INFINITY : last + this.#o.limits(channel).minIntervalMs;
    return Math.max(paced, this.#pausedUntil.get(channel) ?? Number.NEGATIVE_INFINITY);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    const at = this.nextWakeAt();
    if (at === undefined) return;
    // The clock's timers never keep the process alive: a retry far ahead waits in the outbox for the
    // next start. Callers that must deliver before exiting call `flush()`.
    this.#timer = this.#o.clock.setTimer(at, () => {
      this.#timer = undefined;
      void this.runDue().catch((error: unknown) =>
        this.#o.log(`flowtel: delivery loop failed: ${String(error)}`),
      );
    });
  }
}

const MARK_RETRY_MS = 1_000;
const ABANDONED_ERROR =
  'interrupted: the process sending it ended before recording an answer; sent again by the next start';
const INTERRUPTED_ERROR =
  'interrupted: the process stopped before the receiver answered; sent again by the next start';
