import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { type Database, type DriverName, openDriver, StoreError } from './driver.ts';
import { databasePath, flowtelHome } from './home.ts';
import { MIGRATIONS } from './migrations.ts';

export { type Database, type DriverName, type Statement, StoreError, type Transaction } from './driver.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface OpenDatabaseOptions {
  /** Folder of `flowtel.db`. @default FLOWTEL_HOME, else ~/.flowtel */
  readonly home?: string;
  readonly env?: Env;
  /** How long a writer waits for another process's lock before failing. @default 5000 */
  readonly busyTimeoutMs?: number;
  /** Tests only: the driver to use. @default node:sqlite where this Node has it, else better-sqlite3 */
  readonly driver?: DriverName;
}

/** How long a writer waits for another process's lock, unless told otherwise. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) `<home>/flowtel.db` in WAL mode, so several processes (two `flowtel run`
 * from cron, a `serve`) can share it, and brings its schema up to date.
 * The SQLite driver (`driver.ts`) is loaded here, when a store is first needed, never at module top
 * level, so a user who only wraps functions never loads it.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const home = options.home ?? flowtelHome(options.env);
  ownerOnly(home);
  const db = await openDriver(databasePath(home), options.driver);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    // WAL + NORMAL is durable across process crashes (only an OS crash may lose the last commits).
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * The folder 0700 and the file 0600 before SQLite opens it (its -wal and -shm files take the file's
 * mode): alert state and the outbox hold error texts and alert facts other users have no business
 * reading. An existing folder or file of someone else's is left as it is.
 */
function ownerOnly(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = databasePath(home);
  try {
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch {
    // Not ours to change (or not writable): SQLite's own open reports what matters.
  }
}

/** Applies the migrations the file lacks, each in its own immediate transaction. */
export function migrate(db: Database): void {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  if (current() > MIGRATIONS.length) {
    throw new StoreError(
      `flowtel.db has schema version ${current()}, newer than this flowtel knows (${MIGRATIONS.length}): upgrade flowtel`,
    );
  }
  for (let version = current(); version < MIGRATIONS.length; version = current()) {
    const step = db.transaction(() => {
      // Another process may have migrated between our read and our lock: check again inside it.
      const now = current();
      if (now !== version) return;
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    });
    step.immediate();
  }
}
