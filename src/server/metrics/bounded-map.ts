/**
 * A Map that keeps at most `capacity` entries: past it, the older half goes at once, each entry handed
 * to `onEvict`. What serve remembers per run is then bounded whatever arrives, including runs whose end
 * never comes. Entries live in two generations of half the capacity; a full current generation becomes
 * the previous one and the one before is let go whole. Nothing is evicted one key at a time: a `Map`
 * that loses its oldest key on every insert keeps holes at its front that each later eviction walks
 * past, which made ingest slower the longer it ran (see `src/recent-map.ts`).
 */
export class BoundedMap<K, V> {
  #current = new Map<K, V>();
  #previous = new Map<K, V>();
  readonly #generation: number;

  constructor(
    readonly capacity: number,
    private readonly onEvict: (key: K, value: V) => void = () => {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.#generation = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.#current.size + this.#previous.size;
  }

  get(key: K): V | undefined {
    return this.#current.has(key) ? this.#current.get(key) : this.#previous.get(key);
  }

  has(key: K): boolean {
    return this.#current.has(key) || this.#previous.has(key);
  }

  set(key: K, value: V): void {
    if (this.#current.has(key)) {
      this.#current.set(key, value);
      return;
    }
    this.#previous.delete(key);
    if (this.#current.size >= this.#generation) {
      const dropped = this.#previous;
      this.#previous = this.#current;
      this.#current = new Map();
      for (const [oldKey, oldValue] of dropped) this.onEvict(oldKey, oldValue);
    }
    this.#current.set(key, value);
  }

  delete(key: K): boolean {
    return this.#current.delete(key) || this.#previous.delete(key);
  }

  /** The oldest entry (by generation, then insertion), or undefined when empty. */
  oldest(): [K, V] | undefined {
    for (const entry of this.#previous) return entry;
    for (const entry of this.#current) return entry;
    return undefined;
  }
}
