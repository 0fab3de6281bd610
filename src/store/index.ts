/**
 * The embedded store: one SQLite file under FLOWTEL_HOME shared by alert state and the outbox.
 * Everything here loads the SQLite driver lazily (inside `openDatabase`).
 */
import type { AlertStateStore } from '../alerts/state.ts';
import type { Clock } from '../clock.ts';
import type { OutboxStore } from '../notify/outbox/store.ts';
import { SqliteOutboxStore } from './outbox.ts';
import { SqliteRunHistory } from './runs.ts';
import { type Database, DEFAULT_BUSY_TIMEOUT_MS, type OpenDatabaseOptions, openDatabase } from './sqlite.ts';
import { WriteBehind } from './write-behind.ts';

export { databasePath, flowtelHome } from './home.ts';
export { SqliteRunHistory } from './runs.ts';
export { type Database, migrate, type OpenDatabaseOptions, openDatabase, StoreError } from './sqlite.ts';

export interface OpenStoreOptions extends OpenDatabaseOptions {
  /** Where refused commits and what could not be stored are reported. @default stderr */
  readonly log?: (line: string) => void;
}

/**
 * `flowtel.db` for one process: one connection shared by the rules engine's alert state and delivery's
 * outbox. Alert-state saves and outbox enqueues are written behind, committed together (see `WriteBehind`);
 * everything else delivery does (claims, marks) goes to the file directly. Delivery sees only committed
 * entries, so it never sends what is not stored.
 */
export interface FlowtelStore {
  /** For the rules engine: loaded once, saved write-behind. */
  readonly alertState: AlertStateStore;
  /** For delivery: `enqueue` is write-behind, in the transaction of the alert state of the same step. */
  readonly outbox: OutboxStore;
  /** The one connection (tests set pragmas on it). */
  readonly db: Database;
  /** Called after each commit that stored notifications (delivery wakes up to send them). */
  onCommit(listener: () => void): void;
  /** Alert changes and notifications not stored yet. */
  pending(): { readonly alertChanges: number; readonly notifications: number };
  /** Commits what is pending, retrying for at most `timeoutMs`; true when everything is stored. */
  flush(timeoutMs: number): Promise<boolean>;
  /** A last commit, a report of what is lost if it fails, and the file closed. */
  close(): void;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<FlowtelStore> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = await openDatabase({ ...options, busyTimeoutMs });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const writes = new WriteBehind(db, { busyTimeoutMs, log });
  const outbox = new WriteBehindOutbox(db, writes);
  return {
    alertState: { load: () => writes.loadAlerts(), save: (changes) => writes.saveAlerts(changes) },
    outbox,
    db,
    onCommit: (listener) => writes.onCommit(listener),
    pending: () => writes.pending(),
    flush: (timeoutMs) => writes.flush(timeoutMs),
    close: () => {
      writes.close();
      db.close();
    },
  };
}

/** The outbox on the shared connection, its enqueue written behind; closing it leaves the file open. */
class WriteBehindOutbox extends SqliteOutboxStore {
  readonly #writes: WriteBehind;

  constructor(db: Database, writes: WriteBehind) {
    super(db, { ownsDb: false });
    this.#writes = writes;
  }

  override enqueue(...entry: Parameters<OutboxStore['enqueue']>): void {
    this.#writes.enqueue(...entry);
  }
}

/**
 * serve's run history in `flowtel.db`, on a connection of its own (closed with it), so its batches never
 * wait on the alert store's and the reverse.
 */
export async function openRunHistory(
  options: OpenStoreOptions & { readonly clock?: Clock } = {},
): Promise<SqliteRunHistory> {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = await openDatabase({ ...options, busyTimeoutMs });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new SqliteRunHistory(db, {
    busyTimeoutMs,
    log,
    ownsDb: true,
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
