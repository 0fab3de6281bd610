import type { Clock } from '../clock.ts';
import type { DeliveryMetrics } from '../metrics.ts';
import type { ChannelLimits } from '../notifiers.ts';
import type { RetryPolicy } from '../retry-policy.ts';
import type { Notifier, SendOutcome } from '../types.ts';
import { toMessage } from './group.ts';
import { recordOutcome } from './record-outcome.ts';
import type { OutboxStore } from './store.ts';

export interface DispatcherOptions {
  readonly store: OutboxStore;
  readonly notifiers: ReadonlyMap<string, Notifier>;
  readonly limits: (channel: string) => ChannelLimits;
  readonly clock: Clock;
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
  /** A receiver that answered 429 with Retry-After gets nothing from this channel until then. */
  readonly #pausedUntil = new Map<string, number>();
  #timer: unknown;
  #closed = false;

  constructor(options: DispatcherOptions) {
    this.#o = options;
  }

  /** Sends everything due now on the channels this process can send to; resolves when done. */
  async runDue(): Promise<void> {
    if (this.#closed) return;
    const due = this.#o.store.dueChannels(this.#o.clock.now()).filter((c) => this.#o.notifiers.has(c));
    const inFlight = [...this.#running.values()];
    await Promise.all([...due.map((c) => this.#runChannel(c)), ...inFlight]);
    this.#schedule();
  }

  /** When the next send could happen (an entry due, or a paced channel's slot), if anything is pending. */
  nextWakeAt(): number | undefined {
    let next: number | undefined;
    for (const channel of this.#o.notifiers.keys()) {
      const due = this.#o.store.nextDueAt([channel]);
      if (due === undefined) continue;
      const at = Math.max(due, this.#readyAt(channel));
      next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  /** Waits for sends in progress; stops waking up. Entries not yet claimed stay pending for the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    await Promise.all(this.#running.values());
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
    while (!this.#closed) {
      const now = this.#o.clock.now();
      if (this.#readyAt(channel) > now) return;
      const entries = this.#o.store.claim({
        owner: this.#o.owner,
        now,
        leaseMs: this.#o.leaseMs,
        channel,
        limit: maxGroup,
      });
      if (entries.length === 0) return;
      this.#lastSendAt.set(channel, now);
      // `send` never throws by contract; a bug in an adapter must still not lose the entries.
      const outcome: SendOutcome = await notifier
        .send(toMessage(channel, entries))
        .catch((error: unknown) => ({
          ok: false,
          failure: {
            kind: 'network',
            reason: `notifier crashed: ${error instanceof Error ? error.name : 'error'}`,
          },
        }));
      const o = this.#o;
      const after = o.clock.now();
      if (!outcome.ok && outcome.failure.status === 429 && outcome.failure.retryAfterMs !== undefined) {
        this.#pausedUntil.set(channel, after + outcome.failure.retryAfterMs);
      }
      recordOutcome(channel, entries, outcome, { ...o, now: after, owner: o.owner });
    }
  }

  #readyAt(channel: string): number {
    const last = this.#lastSendAt.get(channel);
    const paced =
      last === undefined ? Number.NEGATIVE_INFINITY : last + this.#o.limits(channel).minIntervalMs;
    return Math.max(paced, this.#pausedUntil.get(channel) ?? Number.NEGATIVE_INFINITY);
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const at = this.nextWakeAt();
    if (at === undefined) return;
    const delay = Math.max(0, at - this.#o.clock.now());
    this.#timer = this.#o.clock.setTimeout(
      () => {
        this.#timer = undefined;
        void this.runDue().catch((error: unknown) =>
          this.#o.log(`flowtel: delivery loop failed: ${String(error)}`),
        );
      },
      delay,
      { background: true },
    );
  }
}
