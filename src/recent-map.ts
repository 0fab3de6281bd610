/**
 * A map that remembers at least its `capacity` most recently used keys, and at most twice that: keys
 * go into a current generation; when it is full it becomes the previous one and the one before is let
 * go whole. A key read from the previous generation moves to the current one. Nothing is deleted one
 * by one: a `Map` that loses its oldest keys one at a time leaves holes at its front that every later
 * eviction walks past, which made ingest slower the longer it ran.
 */
export class RecentMap<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${String(capacity)}`);
    }
  }

  get(key: K): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const older = this.previous.get(key);
    if (older !== undefined) this.set(key, older);
    return older;
  }

  has(key: K): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  set(key: K, value: V): void {
    this.current.set(key, value);
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  /** Keys held now (between `capacity` and twice that once full; a key in both generations counts twice). */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}
