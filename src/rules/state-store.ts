import type { AlertFacts, Severity } from '../alerts/types.ts';

/**
 * The state of one alert (one identity of one rule), as the engine keeps it between transitions. Plain
 * data, so a durable store (SQLite, with delivery) can keep it across restarts.
 */
export interface AlertState {
  readonly fingerprint: string;
  readonly rule: string;
  readonly status: 'firing' | 'resolved';
  readonly severity: Severity;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly summary: string;
  /** ISO time this firing episode started. */
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly facts: AlertFacts;
  /** Whether a notification announced this episode as firing (a resolution is only sent if one did). */
  readonly notified: boolean;
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
