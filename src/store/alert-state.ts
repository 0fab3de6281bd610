import type { AlertState, AlertStateStore } from '../rules/state-store.ts';
import type { Database } from './sqlite.ts';

/**
 * The rules engine's alert states in `flowtel.db`, so a restart neither repeats a firing alert before
 * its `repeatInterval` nor forgets one (its resolution still comes). Synchronous like the interface:
 * better-sqlite3 is, and the engine updates state inside its own evaluation step.
 */
export class SqliteAlertStateStore implements AlertStateStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(fingerprint: string): AlertState | undefined {
    const row = this.#db.prepare('SELECT state FROM alert_state WHERE fingerprint = ?').get(fingerprint) as
      | { state: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.state) as AlertState);
  }

  put(state: AlertState): void {
    this.#db
      .prepare(
        `INSERT INTO alert_state (fingerprint, rule, state, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule, state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(state.fingerprint, state.rule, JSON.stringify(state), Date.now());
  }

  delete(fingerprint: string): void {
    this.#db.prepare('DELETE FROM alert_state WHERE fingerprint = ?').run(fingerprint);
  }

  list(rule?: string): AlertState[] {
    const rows = (
      rule === undefined
        ? this.#db.prepare('SELECT state FROM alert_state ORDER BY fingerprint').all()
        : this.#db.prepare('SELECT state FROM alert_state WHERE rule = ? ORDER BY fingerprint').all(rule)
    ) as { state: string }[];
    return rows.map((r) => JSON.parse(r.state) as AlertState);
  }
}
