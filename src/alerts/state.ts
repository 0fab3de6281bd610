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
  /** What the condition needs to resolve the alert after a restart. */
  readonly memory?: AlertMemory;
}

export interface AlertMemory {
  /** flow-failures: epoch ms of the failures in the window when the alert last changed. */
  readonly failures?: readonly number[];
}

/** Where alert states live: in memory here; delivery may provide a SQLite one. Synchronous on purpose. */
export interface AlertStateStore {
  get(fingerprint: string): AlertState | undefined;
  put(state: AlertState): void;
  delete(fingerprint: string): void;
  /** Every state, or those of one rule. */
  list(rule?: string): AlertState[];
}

export class InMemoryAlertStateStore implements AlertStateStore {
  private readonly states = new Map<string, AlertState>();

  get(fingerprint: string): AlertState | undefined {
    return this.states.get(fingerprint);
  }

  put(state: AlertState): void {
    this.states.set(state.fingerprint, state);
  }

  delete(fingerprint: string): void {
    this.states.delete(fingerprint);
  }

  list(rule?: string): AlertState[] {
    const all = [...this.states.values()];
    return rule === undefined ? all : all.filter((s) => s.rule === rule);
  }
}
