import type { Clock, TimerHandle } from '../clock.ts';

/**
 * The one timer structure of the engine: every deadline (a run passing its duration, a schedule's grace
 * ending, a failure leaving its window, a group's wait, a repeat, a silence ending) is an entry in one
 * min-heap; the clock holds a single timer for the earliest. Nothing polls. Cancelled entries are
 * dropped when they reach the top, or all at once when they outnumber the live ones (runs that end long
 * before their deadline would otherwise pile up until it). Entries added during an evaluation step (a
 * `runDue`, with the step's own work) arm the clock once, at the step's end: a transition that fires and
 * flushes an alert would otherwise set and clear a system timer for each entry it adds.
 */
export type Cancel = () => void;

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
  cancelled: boolean;
  /** Taken off the heap (run, or dropped as cancelled). */
  popped: boolean;
}

/** Below this many cancelled entries the heap is never rebuilt: dropping them at the top is enough. */
const COMPACT_ABOVE = 1_024;

export class TimerQueue {
  private heap: Entry[] = [];
  private seq = 0;
  private cancelled = 0;
  private armed: { at: number; handle: TimerHandle } | undefined;
  private running = false;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => {},
    /** After each run of due entries (the end of a timer's evaluation step: the engine saves then). */
    private readonly afterRun: () => void = () => {},
  ) {}

  schedule(at: number, run: () => void): Cancel {
    const entry: Entry = { at, seq: this.seq++, run, cancelled: false, popped: false };
    this.push(entry);
    if (!this.running) this.arm(); // else the step arms at its end
    return () => {
      if (entry.cancelled) return;
      entry.cancelled = true;
      if (entry.popped) return;
      this.cancelled++;
      if (this.cancelled > COMPACT_ABOVE && this.cancelled * 2 > this.heap.length) this.compact();
    };
  }

  /**
   * One evaluation step: `work` (e.g. a transition's evaluation), then every entry due by the clock's now,
   * earliest first (entries added meanwhile included), then the clock is armed for the next entry.
   */
  runDue(work?: () => void): void {
    if (this.running) {
      work?.(); // re-entrant calls: the outer loop picks up what was added
      return;
    }
    this.running = true;
    try {
      work?.();
      for (;;) {
        const top = this.heap[0];
        if (!top || top.at > this.clock.now()) break;
        this.pop();
        if (top.cancelled) continue;
        try {
          top.run();
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = false;
      this.arm();
    }
    this.afterRun();
  }

  /** Entries still waiting (cancelled ones excluded). */
  size(): number {
    return this.heap.length - this.cancelled;
  }

  /** Entries held in memory, cancelled ones included (what compaction bounds). */
  heldEntries(): number {
    return this.heap.length;
  }

  close(): void {
    this.closed = true;
    this.armed?.handle.cancel();
    this.armed = undefined;
    for (const entry of this.heap) entry.popped = true;
    this.heap = [];
    this.cancelled = 0;
  }

  /** Rebuilds the heap without its cancelled entries (sorting is a valid heap order). */
  private compact(): void {
    const live: Entry[] = [];
    for (const entry of this.heap) {
      if (entry.cancelled) entry.popped = true;
      else live.push(entry);
    }
    this.heap = live.sort((a, b) => (before(a, b) ? -1 : 1));
    this.cancelled = 0;
  }

  private arm(): void {
    while (this.heap[0]?.cancelled) this.pop();
    const next = this.heap[0];
    if (this.closed || !next) {
      this.armed?.handle.cancel();
      this.armed = undefined;
      return;
    }
    if (this.armed && this.armed.at === next.at) return;
    this.armed?.handle.cancel();
    const at = next.at;
    this.armed = {
      at,
      handle: this.clock.setTimer(at, () => {
        if (this.armed?.at === at) this.armed = undefined;
        this.runDue();
      }),
    };
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const top = heap[0];
    if (top) {
      top.popped = true;
      if (top.cancelled) this.cancelled--;
    }
    const last = heap.pop();
    if (heap.length === 0 || !last) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
