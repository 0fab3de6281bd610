import { type Clock, monotonicNow } from '../../clock.ts';
import type { RecordOutcome, RunHistory, RunSource } from '../../history/types.ts';
import { isFinal } from '../../runtime/state.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';

/** Where serve's transitions go besides history: the rules engine (swapped on reload) and metrics. */
export interface TransitionConsumers {
  /** Evaluates a record (the current rules engine). */
  evaluate(record: TransitionRecord): void;
  /** Counts it for `/metrics`. */
  count(record: TransitionRecord): void;
  /** Tells the live event stream (run UI) about it; must cost next to nothing when nobody listens. */
  live?(record: TransitionRecord): void;
}

/** What the crash watch needs to hear from the core. */
export interface RunWatch {
  heard(runId: string, atMs: number, intervalMs?: number): void;
  ended(runId: string): void;
}

/**
 * The one way in for every transition serve learns of, whoever made it (a child it launched, another
 * process over OTLP, serve itself): the history records it and says whether it is new; only new
 * transitions that move a run on are evaluated by the rules and counted, so a record heard twice (a
 * log record and its span) or late (after its run ended) never fires or resolves anything twice.
 */
export class ServeCore {
  readonly #history: RunHistory;
  readonly #consumers: TransitionConsumers;
  readonly #watch: RunWatch;
  readonly #clock: Clock;
  readonly #onRunEnded: (runId: string, flow: string | undefined) => void;
  #lagMs = 0;

  constructor(parts: {
    history: RunHistory;
    consumers: TransitionConsumers;
    watch: RunWatch;
    clock: Clock;
    /** A flow run reached a final state (the scheduler may start a queued slot). */
    onRunEnded: (runId: string, flow: string | undefined) => void;
  }) {
    this.#history = parts.history;
    this.#consumers = parts.consumers;
    this.#watch = parts.watch;
    this.#clock = parts.clock;
    this.#onRunEnded = parts.onRunEnded;
  }

  /** One transition; `receivedAt` (monotonic ms) is when its request arrived, for the evaluation lag. */
  accept(record: TransitionRecord, source: RunSource, receivedAt = monotonicNow()): RecordOutcome {
    const outcome = this.#history.record(record, source);
    if (outcome !== 'new') return outcome;
    this.#consumers.evaluate(record);
    this.#consumers.count(record);
    this.#consumers.live?.(record);
    this.#lagMs = monotonicNow() - receivedAt;
    const runId = record.flowRunId;
    if (runId !== undefined && record.task === undefined) {
      if (isFinal(record.state.type)) {
        this.#watch.ended(runId);
        this.#onRunEnded(runId, record.flow);
      } else {
        // When serve heard it, not the sender's clock (which may be off).
        this.#watch.heard(runId, this.#clock.now());
      }
    }
    return outcome;
  }

  /** A heartbeat: the run is alive, and says how often it will say so. */
  heartbeat(runId: string, atMs: number, intervalMs: number | undefined): void {
    this.#history.heard(runId, atMs, intervalMs);
    this.#watch.heard(runId, atMs, intervalMs);
  }

  /**
   * Ends a run that cannot end itself (its process died, or went silent) as Crashed, unless it has
   * ended meanwhile; the verdict is evaluated like any transition. Returns whether it did.
   */
  crash(runId: string, why: string): boolean {
    const record = this.#history.crashed(runId, this.#clock.now(), why);
    if (record === undefined) return false;
    this.#consumers.evaluate(record);
    this.#consumers.count(record);
    this.#consumers.live?.(record);
    this.#watch.ended(runId);
    this.#onRunEnded(runId, record.flow);
    return true;
  }

  /** Ms from receiving the latest new transition to having evaluated it. */
  evaluationLagMs(): number {
    return this.#lagMs;
  }
}
