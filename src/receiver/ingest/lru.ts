/**
 * A map that keeps only its `capacity` most recently used keys (a `Map` keeps insertion order, so the
 * first key is the least recently used one). What ingest remembers is bounded by these.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  /** Records `key`; true when it was already there (then it only counts as used again). */
  seen(key: K, value: V): boolean {
    const known = this.map.has(key);
    this.set(key, value);
    return known;
  }

  get size(): number {
    return this.map.size;
  }
}
