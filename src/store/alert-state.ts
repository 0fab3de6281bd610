import type { AlertState, AlertStateStore } from '../alerts/state.ts';
import type { Database } from './sqlite.ts';

export interface SqliteAlertStateStoreOptions {
  /** Where a failed write is reported (once until writes succeed again). @default stderr */
  readonly log?: (line: string) => void;
}

/**
 * The rules engine's alert states in `flowtel.db`, so a restart neither repeats a firing alert before
 * its `repeatInterval` nor forgets one (its resolution still comes). Synchronous like the interface:
 * better-sqlite3 is, and the engine updates state inside its own evaluation step.
 *
 * A write that fails (another process holds the file's lock past the busy timeout, a full disk) must
 * not stop the engine mid-evaluation: the alert it is about would be lost without a word. The state is
 * kept in memory instead, served to reads, written with the next write that succeeds (or at `flush`),
 * and the failure is reported.
 */
export class SqliteAlertStateStore implements AlertStateStore {
  readonly #db: Database;
  /** Also used by `openAlertStateStore().close()` for a last word on states it could not save. */
  readonly log: (line: string) => void;
  /** Fingerprint → the state not yet on disk, or null for a delete not yet on disk. */
  readonly #unsaved = new Map<string, AlertState | null>();
  #reported = false;

  constructor(db: Database, options: SqliteAlertStateStoreOptions = {}) {
    this.#db = db;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get(fingerprint: string): AlertState | undefined {
    const unsaved = this.#unsaved.get(fingerprint);
    if (unsaved !== undefined) return unsaved ?? undefined;
    const row = this.#db.prepare('SELECT state FROM alert_state WHERE fingerprint = ?').get(fingerprint) as
      | { state: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.state) as AlertState);
  }

  put(state: AlertState): void {
    this.#unsaved.set(state.fingerprint, state);
    this.flush();
  }

  delete(fingerprint: string): void {
    this.#unsaved.set(fingerprint, null);
    this.flush();
  }

  list(rule?: string): AlertState[] {
    const rows = (
      rule === undefined
        ? this.#db.prepare('SELECT state FROM alert_state ORDER BY fingerprint').all()
        : this.#db.prepare('SELECT state FROM alert_state WHERE rule = ? ORDER BY fingerprint').all(rule)
    ) as { state: string }[];
    const byFingerprint = new Map(
      rows.map((r) => JSON.parse(r.state) as AlertState).map((s) => [s.fingerprint, s] as const),
    );
    for (const [fingerprint, state] of this.#unsaved) {
      if (state === null) byFingerprint.delete(fingerprint);
      else if (rule === undefined || state.rule === rule) byFingerprint.set(fingerprint, state);
    }
    return [...byFingerprint.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
  }

  /** Alert states changed in memory only, so far. */
  get unsaved(): number {
    return this.#unsaved.size;
  }

  /** Writes what earlier writes could not; true when nothing is left in memory only. */
  flush(): boolean {
    if (this.#unsaved.size === 0) return true;
    const upsert = this.#db.prepare(
      `INSERT INTO alert_state (fingerprint, rule, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule, state = excluded.state, updated_at = excluded.updated_at`,
    );
    const remove = this.#db.prepare('DELETE FROM alert_state WHERE fingerprint = ?');
    const pending = [...this.#unsaved];
    try {
      this.#db.transaction(() => {
        for (const [fingerprint, state] of pending) {
          if (state === null) remove.run(fingerprint);
          else upsert.run(fingerprint, state.rule, JSON.stringify(state), Date.now());
        }
      })();
    } catch (error) {
      if (!this.#reported) {
        this.#reported = true;
        this.log(
          `flowtel: could not save alert state in flowtel.db (${error instanceof Error ? error.message : String(error)}); kept in memory and saved when the file is writable again`,
        );
      }
      return false;
    }
    // Only what was written: a write made meanwhile (none: this is synchronous) would stay.
    for (const [fingerprint, state] of pending) {
      if (this.#unsaved.get(fingerprint) === state) this.#unsaved.delete(fingerprint);
    }
    this.#reported = false;
    return true;
  }
}
