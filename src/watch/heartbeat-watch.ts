/**
 * The crash watch: a run in flight that says nothing (no heartbeat, no transition) for three of its
 * own heartbeat intervals is taken for dead, and `onCrashed` is called once for it. The deadlines are
 * entries of one `TimerQueue` on the `Clock` seam, so a `ManualClock` moves them in tests and nothing
 * polls. Heartbeats that arrive after a run ended (a late batch) do not bring it back.
 */
import type { Clock } from '../clock.ts';
import { RecentMap } from '../recent-map.ts';
import { type Cancel, TimerQueue } from '../schedule/timer-queue.ts';

export interface CrashedRun {
  readonly runId: string;
  /** When it was last heard of, epoch ms on the watcher's clock. */
  readonly lastHeardAt: number;
  /** The heartbeat interval the watch went by (the run's own, else the default). */
  readonly intervalMs: number;
}

export interface HeartbeatWatchOptions {
  clock: Clock;
  onCrashed(run: CrashedRun): void;
  /** The interval of runs that never announced one (older senders). @default 30000 (the runtime's) */
  defaultIntervalMs?: number;
  /** Intervals of silence after which a run is taken for dead. @default 3 */
  missedBeats?: number;
  /** Ended runs remembered (at least), so their late heartbeats are ignored. @default 100000 */
  rememberEnded?: number;
  /** What `onCrashed` threw. @default ignored */
  onError?: (error: unknown) => void;
}

interface Watched {
  lastHeardAt: number;
  intervalMs: number | undefined;
  cancel: Cancel;
}

export class HeartbeatWatch {
  private readonly runs = new Map<string, Watched>();
  private readonly endedRuns: RecentMap<string, true>;
  private readonly timers: TimerQueue;
  private readonly defaultIntervalMs: number;
  private readonly missedBeats: number;

  constructor(private readonly options: HeartbeatWatchOptions) {
    this.defaultIntervalMs = positive(options.defaultIntervalMs ?? 30_000, 'defaultIntervalMs');
    this.missedBeats = positive(options.missedBeats ?? 3, 'missedBeats');
    this.endedRuns = new RecentMap(options.rememberEnded ?? 100_000);
    this.timers = new TimerQueue(options.clock, options.onError);
  }

  /**
   * The run was heard of at `atMs` (a heartbeat, a transition, or its last sign in the history after a
   * restart). Pass times of the watcher's clock, such as when a record arrived: a sender's clock may be
   * off. `intervalMs` is what its heartbeats announced; once known it is kept.
   */
  heard(runId: string, atMs: number, intervalMs?: number): void {
    if (this.endedRuns.has(runId)) return;
    const known = this.runs.get(runId);
    if (known) {
      known.cancel();
      known.lastHeardAt = Math.max(known.lastHeardAt, atMs);
      if (intervalMs !== undefined) known.intervalMs = intervalMs;
      known.cancel = this.arm(runId, known);
      return;
    }
    const watched: Watched = { lastHeardAt: atMs, intervalMs, cancel: () => {} };
    watched.cancel = this.arm(runId, watched);
    this.runs.set(runId, watched);
  }

  /** The run reached a final state: it is no longer watched, and what is heard of it later is ignored. */
  ended(runId: string): void {
    this.runs.get(runId)?.cancel();
    this.runs.delete(runId);
    this.endedRuns.set(runId, true);
  }

  /** Runs watched now. */
  watching(): number {
    return this.runs.size;
  }

  close(): void {
    this.timers.close();
    this.runs.clear();
  }

  private arm(runId: string, watched: Watched): Cancel {
    const intervalMs = watched.intervalMs ?? this.defaultIntervalMs;
    return this.timers.schedule(watched.lastHeardAt + this.missedBeats * intervalMs, () => {
      this.runs.delete(runId);
      this.endedRuns.set(runId, true);
      this.options.onCrashed({ runId, lastHeardAt: watched.lastHeardAt, intervalMs });
    });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a number above 0, got ${String(value)}`);
  }
  return value;
}
