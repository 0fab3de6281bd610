import type { Alert } from '../alerts/types.ts';

/**
 * The state of one alert (one identity of one rule), as the engine keeps it between transitions: the
 * alert as delivery sees it (without its episode id, derived from fingerprint and start), plus what the
 * engine needs to pick up where it left off after a restart. Plain data, so a durable store (SQLite) can
 * keep it as JSON.
 */
export interface AlertState extends Omit<Alert, 'id'> {
  /** Whether a notification announced this episode as firing (a resolution is only sent if one did). */
  readonly notified: boolean;
  /**
   * ISO time of the last firing or repeat notification of this alert: the next repeat is due
   * `repeatInterval` after it. A repeat held back by a silence counts as sent (the silence suppresses it,
   * it does not postpone the next one).
   */
  readonly lastNotifiedAt?: string;
  /**
   * ISO time someone acknowledged the firing alert (serve's `POST /api/v1/alerts/:id/ack`): no repeats
   * are sent while it stays firing. Cleared when it resolves; the resolution is still sent.
   */
  readonly acknowledgedAt?: string;
  /** What the condition needs to resolve the alert after a restart. */
  readonly memory?: AlertMemory;
}

export interface AlertMemory {
  /** flow-failures: epoch ms of the failures in the window when the alert last changed. */
  readonly failures?: readonly number[];
}

/**
 * Where alert states outlive the engine. The engine keeps every state in memory: it reads the store once,
 * when it starts, and hands it the changes of each evaluation step (a transition, a timer, a flush) once,
 * at the end of the step. `save` returns at once: a durable store writes behind, off the caller's path.
 */
export interface AlertStateStore {
  /** Every stored state (read once, when an engine starts). */
  load(): AlertState[];
  /** One step's changes: fingerprint → its new state, or null when the alert is gone. Never blocks. */
  save(changes: ReadonlyMap<string, AlertState | null>): void;
}

/** Keeps states for the engines of one process (a test's restart, `rules test`). */
export class InMemoryAlertStateStore implements AlertStateStore {
  private readonly states = new Map<string, AlertState>();

  load(): AlertState[] {
    return [...this.states.values()];
  }

  save(changes: ReadonlyMap<string, AlertState | null>): void {
    for (const [fingerprint, state] of changes) {
      if (state === null) this.states.delete(fingerprint);
      else this.states.set(fingerprint, state);
    }
  }
}
