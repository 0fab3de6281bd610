import { processSecrets } from '../secrets.ts';
import type { Database, Statement } from './sqlite.ts';

/**
 * Silences created over serve's API, kept so they survive a restart. The body is a silence exactly as a
 * rules file has it once parsed (times as epoch ms), plus its id; the shape is restated here because
 * the store may not import the rules (`src/rules/silences.ts`'s `ActiveSilence` fits it as it is).
 */
export interface StoredSilence {
  readonly id: string;
  readonly matchers: {
    readonly rule?: string | readonly string[] | undefined;
    readonly flow?: string | readonly string[] | undefined;
    readonly labels?: Readonly<Record<string, string>> | undefined;
  };
  readonly startsAt?: number | undefined;
  readonly endsAt: number;
  readonly createdBy?: string | undefined;
  readonly comment?: string | undefined;
}

export interface SilenceStore {
  /** In the order they were added. */
  list(): StoredSilence[];
  /** Adds or replaces the silence of that id. */
  add(silence: StoredSilence): void;
  /** False when there was no such silence. */
  remove(id: string): boolean;
}

export class InMemorySilenceStore implements SilenceStore {
  readonly #silences = new Map<string, StoredSilence>();

  list(): StoredSilence[] {
    return [...this.#silences.values()];
  }

  add(silence: StoredSilence): void {
    this.#silences.delete(silence.id);
    this.#silences.set(silence.id, silence);
  }

  remove(id: string): boolean {
    return this.#silences.delete(id);
  }
}

/** Silences in `flowtel.db` (table `silences`), written at once; comments are redacted like every row. */
export class SqliteSilenceStore implements SilenceStore {
  readonly #list: Statement;
  readonly #add: Statement;
  readonly #remove: Statement;
  readonly #now: () => number;

  constructor(db: Database, now: () => number = Date.now) {
    this.#now = now;
    this.#list = db.prepare('SELECT body FROM silences ORDER BY rowid');
    // REPLACE deletes the old row: the silence gets a new rowid and moves to the end, as in memory.
    this.#add = db.prepare('INSERT OR REPLACE INTO silences (id, body, created_at) VALUES (?, ?, ?)');
    this.#remove = db.prepare('DELETE FROM silences WHERE id = ?');
  }

  list(): StoredSilence[] {
    return (this.#list.all() as { body: string }[]).map((row) => JSON.parse(row.body) as StoredSilence);
  }

  add(silence: StoredSilence): void {
    this.#add.run(silence.id, processSecrets().stringify(silence), this.#now());
  }

  remove(id: string): boolean {
    return this.#remove.run(id).changes > 0;
  }
}
