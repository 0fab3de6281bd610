/**
 * Which flow run a span belongs to. A task span names its task run but not its flow run: that is
 * known from the flow span (which ends, and so arrives, last), from any `flowtel.state` log record
 * (whose span id is the flow span's or the task span's), or through the span's parents (a task called
 * inside another task, or inside a span of the user's own). Task spans whose run is not known yet wait,
 * per trace, until it is. Everything here is bounded: old entries are forgotten first.
 */
import { RecentMap } from '../../recent-map.ts';

/** The fields a task transition takes from its flow run. */
export interface RunFields {
  readonly flow: string | undefined;
  readonly flowRunId: string | undefined;
  readonly tags: readonly string[];
  readonly scheduledAt: string | null;
}

/** How far up a span's parents are followed: deeper nesting than any real pipeline has. */
const MAX_HOPS = 64;

export class SpanRuns<Waiting> {
  private readonly runs: RecentMap<string, RunFields>;
  private readonly parents: RecentMap<string, string>;
  private readonly waiting = new Map<string, Waiting[]>();
  private waitingCount = 0;

  constructor(
    capacity: number,
    private readonly maxWaiting: number,
    /** Called with what was let go to keep within `maxWaiting`. */
    private readonly onGivenUp: (items: readonly Waiting[]) => void,
  ) {
    this.runs = new RecentMap(capacity);
    this.parents = new RecentMap(capacity);
  }

  /** Spans of `traceId` with id `spanId` belong to `run`. */
  learnRun(traceId: string, spanId: string, run: RunFields): void {
    this.runs.set(`${traceId}/${spanId}`, run);
  }

  learnParent(traceId: string, spanId: string, parentSpanId: string): void {
    this.parents.set(`${traceId}/${spanId}`, parentSpanId);
  }

  /** The run of the span `spanId` (itself or its nearest known ancestor), if known. */
  find(traceId: string, spanId: string | undefined): RunFields | undefined {
    let id = spanId;
    for (let hop = 0; id !== undefined && hop < MAX_HOPS; hop++) {
      const run = this.runs.get(`${traceId}/${id}`);
      if (run) return run;
      id = this.parents.get(`${traceId}/${id}`);
    }
    return undefined;
  }

  wait(traceId: string, item: Waiting): void {
    let list = this.waiting.get(traceId);
    if (!list) {
      list = [];
      this.waiting.set(traceId, list);
    }
    list.push(item);
    this.waitingCount++;
    while (this.waitingCount > this.maxWaiting) this.giveUpOldestTrace();
  }

  /** Takes the items waiting in `traceId` that `place` places now (it returns true for those). */
  retry(traceId: string, place: (item: Waiting) => boolean): void {
    const list = this.waiting.get(traceId);
    if (!list) return;
    const still = list.filter((item) => !place(item));
    this.waitingCount -= list.length - still.length;
    if (still.length === 0) this.waiting.delete(traceId);
    else this.waiting.set(traceId, still);
  }

  hasWaiting(traceId: string): boolean {
    return this.waiting.has(traceId);
  }

  get waitingSpans(): number {
    return this.waitingCount;
  }

  private giveUpOldestTrace(): void {
    const [traceId, list] = this.waiting.entries().next().value as [string, Waiting[]];
    this.waiting.delete(traceId);
    this.waitingCount -= list.length;
    this.onGivenUp(list);
  }
}
