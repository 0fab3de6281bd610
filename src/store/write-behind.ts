import type { AlertState } from '../alerts/state.ts';
import type { Notification } from '../alerts/types.ts';
import { AlertStateTable } from './alert-state.ts';
import { CommitLoop } from './commit-loop.ts';
import { type OutboxInserter, outboxInserter } from './outbox.ts';
import type { Database, Transaction } from './sqlite.ts';

interface Enqueued {
  readonly notification: Notification;
  readonly channels: readonly string[];
  readonly now: number;
}

/**
 * What the engine and delivery hand to `flowtel.db`, written behind their backs: alert-state changes and
 * outbox entries wait in memory and are committed together, in one transaction, on the next turn of the
 * event loop (never inside `saveAlerts` or `enqueue`). An engine step saves its changes and enqueues its
 * notifications synchronously, so a step can never be split: its state and its notifications are stored
 * both or neither, and a notification is never in the outbox without the state that produced it.
 *
 * A refused commit (the file locked past the short busy timeout, a full disk) keeps everything in memory
 * and is retried with backoff; later steps join the same pending batch (the newest state per alert wins).
 * It is reported once per episode; `flush` retries until a deadline, and what is left at `close` is said.
 */
export class WriteBehind {
  readonly #alerts: AlertStateTable;
  readonly #insert: OutboxInserter;
  readonly #commitBatch: Transaction<
    (changes: ReadonlyMap<string, AlertState | null>, outbox: readonly Enqueued[]) => void
  >;
  readonly #log: (line: string) => void;
  readonly #onCommit: Array<() => void> = [];
  readonly #loop: CommitLoop;
  #changes = new Map<string, AlertState | null>();
  #outbox: Enqueued[] = [];

  /** `busyTimeoutMs`: the connection's own, restored after each commit (delivery's calls use it). */
  constructor(db: Database, options: { busyTimeoutMs: number; log: (line: string) => void }) {
    this.#alerts = new AlertStateTable(db);
    this.#insert = outboxInserter(db);
    this.#log = options.log;
    this.#commitBatch = db.transaction(
      (changes: ReadonlyMap<string, AlertState | null>, outbox: readonly Enqueued[]) => {
        this.#alerts.write(changes, Date.now());
        for (const { notification, channels, now } of outbox) this.#insert(notification, channels, now);
      },
    );
    this.#loop = new CommitLoop({
      db,
      busyTimeoutMs: options.busyTimeoutMs,
      log: options.log,
      commit: () => this.#commit(),
      isEmpty: () => this.#changes.size === 0 && this.#outbox.length === 0,
      describe: () =>
        `${this.#changes.size} alert state change(s) and ${this.#outbox.length} notification(s)`,
      lossMeans:
        'those notifications are not delivered; the next run sends what the stored state has not announced',
    });
  }

  loadAlerts(): AlertState[] {
    return this.#alerts.load();
  }

  saveAlerts(changes: ReadonlyMap<string, AlertState | null>): void {
    for (const [fingerprint, state] of changes) this.#changes.set(fingerprint, state);
    this.#loop.schedule();
  }

  enqueue(notification: Notification, channels: readonly string[], now: number): void {
    this.#outbox.push({ notification, channels: [...channels], now });
    this.#loop.schedule();
  }

  /** Called after each commit that stored notifications, e.g. to wake delivery. */
  onCommit(listener: () => void): void {
    this.#onCommit.push(listener);
  }

  /** Alert changes (distinct alerts) and notifications not stored yet. */
  pending(): { readonly alertChanges: number; readonly notifications: number } {
    return { alertChanges: this.#changes.size, notifications: this.#outbox.length };
  }

  /** Commits what is pending, retrying until `timeoutMs` has passed; true when nothing is left. */
  flush(timeoutMs: number): Promise<boolean> {
    return this.#loop.flush(timeoutMs);
  }

  /** A last commit; says exactly what could not be stored. Returns what is left (lost with the process). */
  close(): { readonly alertChanges: number; readonly notifications: number } {
    this.#loop.close();
    return this.pending();
  }

  /** One transaction for everything pending; throws (all kept) when the file refuses it. */
  #commit(): void {
    const outbox = this.#outbox;
    this.#commitBatch.immediate(this.#changes, outbox);
    this.#changes = new Map();
    this.#outbox = [];
    if (outbox.length === 0) return;
    for (const listener of this.#onCommit) {
      try {
        listener();
      } catch (error) {
        this.#log(`flowtel: after storing notifications: ${String(error)}`);
      }
    }
  }
}
