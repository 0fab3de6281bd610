import type { AlertState } from '../alerts/state.ts';
import type { Notification } from '../alerts/types.ts';
import { AlertStateTable } from './alert-state.ts';
import { type OutboxInserter, outboxInserter } from './outbox.ts';
import type { Database, Transaction } from './sqlite.ts';

/** How long a background commit waits for another process's lock: short, it runs on the event loop. */
export const COMMIT_BUSY_TIMEOUT_MS = 50;
/** Retries of a refused commit back off from the first to the last. */
const RETRY_FIRST_MS = 25;
const RETRY_MAX_MS = 2_000;

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
  readonly #db: Database;
  readonly #alerts: AlertStateTable;
  readonly #insert: OutboxInserter;
  readonly #commitBatch: Transaction<
    (changes: ReadonlyMap<string, AlertState | null>, outbox: readonly Enqueued[]) => void
  >;
  readonly #busyTimeoutMs: number;
  readonly #log: (line: string) => void;
  readonly #onCommit: Array<() => void> = [];
  #changes = new Map<string, AlertState | null>();
  #outbox: Enqueued[] = [];
  /** The next background commit: on the next turn, or a retry's timer. */
  #scheduled: { readonly cancel: () => void } | undefined;
  #retryMs = RETRY_FIRST_MS;
  #lastError: string | undefined;
  /** After `close`, nothing is committed any more (what is left was reported). */
  #closed = false;

  /** `busyTimeoutMs`: the connection's own, restored after each commit (delivery's calls use it). */
  constructor(db: Database, options: { busyTimeoutMs: number; log: (line: string) => void }) {
    this.#db = db;
    this.#alerts = new AlertStateTable(db);
    this.#insert = outboxInserter(db);
    this.#busyTimeoutMs = options.busyTimeoutMs;
    this.#log = options.log;
    this.#commitBatch = db.transaction(
      (changes: ReadonlyMap<string, AlertState | null>, outbox: readonly Enqueued[]) => {
        this.#alerts.write(changes, Date.now());
        for (const { notification, channels, now } of outbox) this.#insert(notification, channels, now);
      },
    );
  }

  loadAlerts(): AlertState[] {
    return this.#alerts.load();
  }

  saveAlerts(changes: ReadonlyMap<string, AlertState | null>): void {
    for (const [fingerprint, state] of changes) this.#changes.set(fingerprint, state);
    this.#schedule();
  }

  enqueue(notification: Notification, channels: readonly string[], now: number): void {
    this.#outbox.push({ notification, channels: [...channels], now });
    this.#schedule();
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
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.#cancelScheduled();
    for (let wait = RETRY_FIRST_MS; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      if (this.#commit()) return true;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
    }
    this.#retryLater(); // the lock may still be released while the process goes on
    return false;
  }

  /** A last commit; says exactly what could not be stored. Returns what is left (lost with the process). */
  close(): { readonly alertChanges: number; readonly notifications: number } {
    this.#cancelScheduled();
    this.#commit();
    this.#closed = true;
    const left = this.pending();
    if (left.alertChanges > 0 || left.notifications > 0) {
      this.#log(
        `flowtel: ${left.alertChanges} alert state change(s) and ${left.notifications} notification(s) could not be stored in flowtel.db (${this.#lastError ?? 'unknown error'}) and are lost: those notifications are not delivered; the next run sends what the stored state has not announced`,
      );
    }
    return left;
  }

  #schedule(): void {
    if (this.#scheduled !== undefined || this.#closed) return;
    const immediate = setImmediate(() => this.#background());
    this.#scheduled = { cancel: () => clearImmediate(immediate) };
  }

  #background(): void {
    this.#scheduled = undefined;
    if (!this.#commit()) this.#retryLater();
  }

  #retryLater(): void {
    if (this.#scheduled !== undefined || this.#closed) return;
    // Not kept alive for this: a process that exits without `flush`/`close` chose not to wait.
    const timer = setTimeout(() => this.#background(), this.#retryMs).unref();
    this.#scheduled = { cancel: () => clearTimeout(timer) };
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  #cancelScheduled(): void {
    this.#scheduled?.cancel();
    this.#scheduled = undefined;
  }

  /** One transaction for everything pending; false (all kept) when the file refuses it. */
  #commit(): boolean {
    if (this.#changes.size === 0 && this.#outbox.length === 0) return true;
    const changes = this.#changes;
    const outbox = this.#outbox;
    try {
      this.#db.pragma(`busy_timeout = ${COMMIT_BUSY_TIMEOUT_MS}`);
      this.#commitBatch.immediate(changes, outbox);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.#lastError === undefined) {
        this.#log(
          `flowtel: could not store ${changes.size} alert state change(s) and ${outbox.length} notification(s) in flowtel.db (${reason}); kept in memory and retried`,
        );
      }
      this.#lastError = reason;
      return false;
    } finally {
      if (this.#db.open) this.#db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
    }
    this.#lastError = undefined;
    this.#retryMs = RETRY_FIRST_MS;
    this.#changes = new Map();
    this.#outbox = [];
    if (outbox.length > 0) {
      for (const listener of this.#onCommit) {
        try {
          listener();
        } catch (error) {
          this.#log(`flowtel: after storing notifications: ${String(error)}`);
        }
      }
    }
    return true;
  }
}
