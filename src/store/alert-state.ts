import type { AlertState } from '../alerts/state.ts';
import { processSecrets } from '../secrets.ts';
import type { Database, Statement } from './sqlite.ts';

/**
 * The rules engine's alert states in `flowtel.db` (table `alert_state`, one JSON row per fingerprint), so
 * a restart neither repeats a firing alert before its `repeatInterval` nor forgets one. Read once when an
 * engine starts; written by the write-behind store, inside its transactions. Statements prepared once.
 */
export class AlertStateTable {
  readonly #all: Statement;
  readonly #upsert: Statement;
  readonly #remove: Statement;

  constructor(db: Database) {
    this.#all = db.prepare('SELECT state FROM alert_state ORDER BY fingerprint');
    this.#upsert = db.prepare(
      `INSERT INTO alert_state (fingerprint, rule, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (fingerprint) DO UPDATE SET rule = excluded.rule, state = excluded.state, updated_at = excluded.updated_at`,
    );
    this.#remove = db.prepare('DELETE FROM alert_state WHERE fingerprint = ?');
  }

  load(): AlertState[] {
    return (this.#all.all() as { state: string }[]).map((row) => JSON.parse(row.state) as AlertState);
  }

  /** Applies changes (a state, or null for a deleted one); call inside a transaction. */
  write(changes: ReadonlyMap<string, AlertState | null>, now: number): void {
    for (const [fingerprint, state] of changes) {
      if (state === null) this.#remove.run(fingerprint);
      else this.#upsert.run(fingerprint, state.rule, processSecrets().stringify(state), now);
    }
  }
}
