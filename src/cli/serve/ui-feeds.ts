import type { Alert, Notification } from '../../alerts/types.ts';
import type { Clock } from '../../clock.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { LiveHub } from '../../server/events/hub.ts';
import { type AlertEventKind, SqliteAlertEvents } from '../../store/alert-events.ts';
import { SqliteRunLogs } from '../../store/run-logs.ts';
import { type Database, DEFAULT_BUSY_TIMEOUT_MS } from '../../store/sqlite.ts';

/**
 * What the run UI reads besides run history: the run logs serve hears over OTLP, the alert events
 * (fired, repeated, resolved, acknowledged) and the live event stream, fed from the points where
 * serve already sees transitions, notifications and acknowledgements.
 */
export interface UiFeeds {
  readonly live: LiveHub;
  readonly runLogs: SqliteRunLogs;
  readonly alertEvents: SqliteAlertEvents;
  /** A new transition (ServeCore's `live` consumer): a run or a task-run event, nothing else. */
  transition(record: TransitionRecord): void;
  /** A notification the rules engine handed to delivery: one alert event per alert in it. */
  notification(notification: Notification): void;
  acknowledged(alert: Alert | Omit<Alert, 'id'>, atMs: number): void;
  prune(beforeMs: number): number;
  flush(timeoutMs: number): Promise<boolean>;
  close(): void;
}

export function createUiFeeds(db: Database, clock: Clock, log: (line: string) => void): UiFeeds {
  const live = new LiveHub();
  const runLogs = new SqliteRunLogs(db, { busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS, log });
  const alertEvents = new SqliteAlertEvents(db, {
    busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS,
    log,
    onStored: (event) => live.publish({ kind: 'alert', event }),
  });
  const record = (alert: Omit<Alert, 'id'>, kind: AlertEventKind, atMs: number) =>
    alertEvents.add({
      atMs,
      fingerprint: alert.fingerprint,
      rule: alert.rule,
      flow: alert.facts.flow ?? alert.labels.flow ?? null,
      runId: alert.facts.flowRunId ?? null,
      kind,
      severity: alert.severity,
      summary: alert.summary,
    });

  return {
    live,
    runLogs,
    alertEvents,
    transition(transition) {
      if (transition.flowRunId === undefined) return;
      live.publish(
        transition.task === undefined
          ? { kind: 'run', runId: transition.flowRunId }
          : { kind: 'task', record: transition },
      );
    },
    notification(notification) {
      const atMs = Date.parse(notification.createdAt);
      for (const alert of notification.alerts) {
        record(alert, notification.kind, Number.isFinite(atMs) ? atMs : clock.now());
      }
    },
    acknowledged: (alert, atMs) => record(alert, 'acknowledged', atMs),
    prune: (beforeMs) => runLogs.prune(beforeMs) + alertEvents.prune(beforeMs),
    flush: async (timeoutMs) =>
      (await Promise.all([runLogs.flush(timeoutMs), alertEvents.flush(timeoutMs)])).every(Boolean),
    close() {
      live.close();
      runLogs.close();
      alertEvents.close();
    },
  };
}
