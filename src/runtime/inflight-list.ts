/** A member of an `InflightList`: the links live on the member, so adding and removing allocate nothing. */
export interface InflightLinks<T> {
  inflightPrev: T | undefined;
  inflightNext: T | undefined;
}

/**
 * The task runs of a flow run that have started and not ended: a doubly linked list through the task
 * runs themselves. Every task run is added and removed once, on the hot path, where a `Set` would hash
 * and grow its table for each one; this costs a few pointer writes.
 */
export class InflightList<T extends InflightLinks<T>> {
  #head: T | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(item: T): void {
    item.inflightPrev = undefined;
    item.inflightNext = this.#head;
    if (this.#head) this.#head.inflightPrev = item;
    this.#head = item;
    this.#size++;
  }

  /** Removes `item`, which must be in the list (each task run is removed once, when it ends). */
  delete(item: T): void {
    const { inflightPrev: prev, inflightNext: next } = item;
    if (prev) prev.inflightNext = next;
    else if (this.#head === item) this.#head = next;
    else return;
    if (next) next.inflightPrev = prev;
    item.inflightPrev = undefined;
    item.inflightNext = undefined;
    this.#size--;
  }

  /** A copy, so that members may be removed while it is walked. */
  toArray(): T[] {
    const items: T[] = [];
    for (let item = this.#head; item; item = item.inflightNext) items.push(item);
    return items;
  }
}
