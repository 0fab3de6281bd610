import { traceUrl } from '../../alerts/trace-link.ts';
import type { Clock } from '../../clock.ts';
import { flowHealth } from '../../history/health.ts';
import { RunQueryError } from '../../history/query.ts';
import type { RunHistory, RunSummary } from '../../history/types.ts';
import type { RulesEngine } from '../../rules/engine.ts';
import { SilenceSchema } from '../../rules/schema.ts';
import type { ActiveSilence } from '../../rules/silences.ts';
import type { SchedulerFlowView } from '../../schedule/scheduler.ts';
import {
  type AlertView,
  BackendError,
  type FlowView,
  type HealthView,
  type ServeBackend,
} from '../../server/backend.ts';
import type { SqliteAlertEvents } from '../../store/alert-events.ts';
import type { SqliteRunLogs } from '../../store/run-logs.ts';
import type { SilenceStore } from '../../store/silences.ts';
import type { CatalogFlow } from './catalog.ts';
import type { Launcher } from './launcher.ts';

/** The live parts of serve the API reads; getters, since rules and flows are replaced on SIGHUP. */
export interface BackendParts {
  readonly clock: Clock;
  readonly history: RunHistory;
  readonly launcher: Launcher;
  readonly silences: SilenceStore;
  readonly startedAt: number;
  engine(): RulesEngine;
  flows(): readonly CatalogFlow[];
  schedules(): readonly SchedulerFlowView[];
  traceTemplate(): string | undefined;
  /** The counts of `/healthz` that other parts keep (ingest, outbox, core). */
  counters(): Pick<HealthView, 'outbox' | 'evaluationLagMs' | 'received' | 'rejected' | 'problems'>;
  /** How long a cancelled run's process gets before it is killed. */
  readonly cancelGraceMs: number;
  // --- Run logs and alert events (issue 14) ---
  readonly runLogs: Pick<SqliteRunLogs, 'page'>;
  readonly alertEvents: Pick<SqliteAlertEvents, 'ofRun' | 'history'>;
  /** An alert was acknowledged over the API (recorded as an alert event). */
  onAcknowledged(alert: AlertView, at: number): void;
}

/** `ServeBackend` over serve's real parts. */
export function serveBackend(parts: BackendParts): ServeBackend {
  const flowByName = (name: string) => parts.flows().find((flow) => flow.name === name);
  const summary = (id: string): RunSummary => {
    const run = parts.history.get(id);
    if (!run) throw new BackendError(404, `no run with id '${id}'`);
    const {
      params: _params,
      taskRuns: _taskRuns,
      transitions: _transitions,
      parentRunId: _parent,
      ...rest
    } = run;
    return rest;
  };
  const alertView = (engine: RulesEngine): AlertView[] =>
    engine.alerts().map((state) => ({
      ...state,
      id: state.fingerprint,
      acknowledged: state.acknowledgedAt !== undefined,
    }));

  return {
    flows() {
      const schedules = new Map(parts.schedules().map((view) => [view.name, view]));
      const known = new Set<string>();
      const views: FlowView[] = parts.flows().map((flow) => {
        known.add(flow.name);
        const scheduled = schedules.get(flow.name);
        return {
          name: flow.name,
          description: flow.description ?? null,
          tags: flow.tags,
          schedules: scheduled?.schedules ?? [],
          overlap: flow.overlap,
          concurrency: flow.concurrency ?? null,
          running: parts.launcher.runningOf(flow.name),
          missedSlots: scheduled?.missedSlots ?? 0,
          lastRun: parts.history.lastRun(flow.name) ?? null,
          runnable: true,
          health: flowHealth(parts.history, flow.name, parts.clock.now()),
        };
      });
      // Flows heard of only over OTLP: listed, with their last run, but serve cannot start them.
      for (const name of parts.history.lastStarts().keys()) {
        if (known.has(name)) continue;
        views.push({
          name,
          description: null,
          tags: [],
          schedules: [],
          overlap: 'allow',
          concurrency: null,
          running: 0,
          missedSlots: 0,
          lastRun: parts.history.lastRun(name) ?? null,
          runnable: false,
          health: flowHealth(parts.history, name, parts.clock.now()),
        });
      }
      return views.sort((a, b) => a.name.localeCompare(b.name));
    },
    runs: (query) => queried(() => parts.history.list(query)),
    run: (id) => parts.history.get(id),
    async runNow(name, params) {
      const flow = flowByName(name);
      if (!flow) {
        const otlpOnly = parts.history.lastRun(name) !== undefined;
        throw new BackendError(
          404,
          otlpOnly
            ? `flow '${name}' is known only from the runs other processes report; serve can start only the flows of --flows`
            : `no flow named '${name}' (see GET /api/v1/flows)`,
        );
      }
      const outcome = await parts.launcher.launch({ flow, params, source: 'api' });
      if (!outcome.ok) throw new BackendError(422, outcome.message, { runId: outcome.runId });
      return summary(outcome.runId);
    },
    async cancel(id) {
      const run = parts.history.get(id);
      if (!run) throw new BackendError(404, `no run with id '${id}'`);
      if (!parts.launcher.owns(id)) {
        throw new BackendError(
          409,
          run.source === 'otlp'
            ? `run '${id}' was reported by another process; serve can cancel only the runs it started`
            : `run '${id}' has ended (${run.state.name})`,
        );
      }
      await parts.launcher.cancel(id, parts.cancelGraceMs);
      return summary(id);
    },
    alerts: () => alertView(parts.engine()),
    ack(id) {
      const engine = parts.engine();
      const already = engine.alerts().find((alert) => alert.fingerprint === id)?.acknowledgedAt;
      if (!engine.acknowledge(id, parts.clock.now())) {
        throw new BackendError(404, `no firing alert with id '${id}' (see GET /api/v1/alerts)`);
      }
      const view = alertView(engine).find((alert) => alert.id === id);
      if (!view) throw new BackendError(404, `no firing alert with id '${id}'`);
      if (already === undefined) parts.onAcknowledged(view, parts.clock.now());
      return view;
    },
    silences: () => parts.engine().silences(),
    addSilence(input) {
      const parsed = SilenceSchema.safeParse(input);
      if (!parsed.success) {
        throw new BackendError(
          400,
          'invalid silence',
          parsed.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: issue.message,
          })),
        );
      }
      if (parsed.data.endsAt <= parts.clock.now()) {
        throw new BackendError(400, 'invalid silence', [
          { path: 'endsAt', message: 'must be in the future' },
        ]);
      }
      const active: ActiveSilence = parts.engine().addSilence(parsed.data);
      parts.silences.add(active);
      return active;
    },
    expireSilence(id) {
      const removed = parts.engine().removeSilence(id);
      const stored = parts.silences.remove(id);
      if (!removed && !stored) throw new BackendError(404, `no silence with id '${id}'`);
    },
    traceUrl: (traceId) => {
      const template = parts.traceTemplate();
      return traceUrl(template, traceId ?? undefined) ?? null;
    },
    // --- Run logs and alert events (issue 14) ---
    runLogs: (runId, query) =>
      parts.history.get(runId) === undefined ? undefined : parts.runLogs.page(runId, query),
    runAlerts: (runId) =>
      parts.history.get(runId) === undefined ? undefined : parts.alertEvents.ofRun(runId),
    alertHistory: (query) => parts.alertEvents.history(query),
    health() {
      const counters = parts.counters();
      return {
        status: counters.problems.length === 0 ? 'ok' : 'degraded',
        startedAt: new Date(parts.startedAt).toISOString(),
        ...counters,
        runsInFlight: parts.history.inFlight().length,
        runsStored: parts.history.count(),
      };
    },

    // The run UI's reads (issue 14).
    runStats: (query) => queried(() => parts.history.stats(query)),
    timeline: (id) => parts.history.timeline(id),
    grid(name, query) {
      const known = flowByName(name) !== undefined || parts.history.lastRun(name) !== undefined;
      return known ? queried(() => parts.history.grid(name, query)) : undefined;
    },
  };
}

/** A history read whose query the history refuses (a cursor it never gave) is the client's 400. */
function queried<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof RunQueryError)) throw error;
    throw new BackendError(400, error.message, [{ path: error.field, message: error.message }]);
  }
}
