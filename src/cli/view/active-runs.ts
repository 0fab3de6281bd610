/** A task run in progress as the live view shows it: its state name, attempt, and since when. */
export interface ActiveRun {
  state: string;
  attempt: number;
  since: number;
}

type RunKey = number | string;

/**
 * The runs of one task line that are in progress, in the order they started. Most pipelines await
 * their tasks one after the other, so the run a transition concerns is nearly always the one that
 * started last: that one is kept in a field, and only runs that overlap it go into the map. A task run
 * of an awaited loop then costs the view no map operation at all; a fan-out costs what a map does.
 */
export class ActiveRuns {
  #recentKey: RunKey | undefined;
  #recent: ActiveRun | undefined;
  readonly #older = new Map<RunKey, ActiveRun>();

  get size(): number {
    return this.#older.size + (this.#recent ? 1 : 0);
  }

  get(key: RunKey): ActiveRun | undefined {
    return this.#recent && this.#recentKey === key ? this.#recent : this.#older.get(key);
  }

  /** A run that started (the caller checked it is not here yet). */
  add(key: RunKey, run: ActiveRun): void {
    if (this.#recent && this.#recentKey !== undefined) this.#older.set(this.#recentKey, this.#recent);
    this.#recentKey = key;
    this.#recent = run;
  }

  delete(key: RunKey): void {
    if (this.#recent && this.#recentKey === key) {
      this.#recent = undefined;
      this.#recentKey = undefined;
    } else this.#older.delete(key);
  }

  /** Oldest first. */
  *values(): IterableIterator<ActiveRun> {
    yield* this.#older.values();
    if (this.#recent) yield this.#recent;
  }
}
