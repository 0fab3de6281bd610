import { z } from 'zod';
import type { Notification } from '../../src/alerts/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { flowHealth } from '../../src/history/health.ts';
import { InMemoryRunHistory } from '../../src/history/memory.ts';
import type { FlowGrid, GridQuery, RunStats, RunTimeline } from '../../src/history/run-views.ts';
import type { StatsQuery } from '../../src/history/stats.ts';
import type { RunDetail, RunPage, RunQuery, RunSummary } from '../../src/history/types.ts';
import { createRulesEngine, type RulesEngine } from '../../src/rules/engine.ts';
import { rulesFromFile } from '../../src/rules/resolve.ts';
import { type RulesFileInput, RulesFileSchema } from '../../src/rules/schema.ts';
import type { ActiveSilence } from '../../src/rules/silences.ts';
import { isFinal, type StateName, StateNames, stateOf } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';
import {
  type AlertEvent,
  type AlertEventPage,
  type AlertView,
  BackendError,
  type FlowView,
  type HealthView,
  type RunLogPage,
  type RunLogQuery,
  type RunLogView,
  type ServeBackend,
} from '../../src/server/backend.ts';

/**
 * An in-memory `ServeBackend` for tests of the API and its CLI clients: runs and flows a test adds, and
 * a real rules engine on a `ManualClock` for alerts, acknowledgements and silences.
 */
export class MemoryServeBackend implements ServeBackend {
  readonly clock: ManualClock;
  readonly engine: RulesEngine;
  /** What the engine sent, in order. */
  readonly sent: Notification[] = [];
  /** Every run-now the API asked for. */
  readonly started: { flow: string; params: Readonly<Record<string, unknown>> }[] = [];
  healthView: HealthView;
  /** The run UI's reads (stats, timeline, grid, flow health) come from here: feed it transition records. */
  readonly history: InMemoryRunHistory;
  readonly #runs = new Map<string, RunDetail>();
  readonly #flows = new Map<string, { view: FlowView; params: z.ZodType | undefined }>();
  #ids = 0;

  constructor(rules: RulesFileInput = {}, start = '2026-11-25T02:00:00Z') {
    this.clock = new ManualClock(start);
    this.history = new InMemoryRunHistory({ clock: this.clock });
    const { rules: loaded, problems } = rulesFromFile(RulesFileSchema.parse(rules));
    if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
    this.engine = createRulesEngine({
      rules: loaded,
      clock: this.clock,
      sink: (notification) => void this.sent.push(notification),
      newId: () => `n${++this.#ids}`,
      onWarning: () => {},
    });
    this.healthView = {
      status: 'ok',
      startedAt: start,
      outbox: { depth: 0, oldestAgeMs: null },
      evaluationLagMs: 0,
      received: { spans: 0, logRecords: 0, metricPoints: 0 },
      rejected: { requests: 0, items: 0 },
      runsInFlight: 0,
      runsStored: 0,
      problems: [],
    };
  }

  /** A flow serve knows; `params` is the schema run-now checks parameters against. */
  addFlow(name: string, options: { runnable?: boolean; params?: z.ZodType } = {}): void {
    this.#flows.set(name, {
      view: {
        name,
        description: null,
        tags: [],
        schedules: [
          { id: `every 1h`, description: 'every 1h', nextAt: '2026-11-25T03:00:00.000Z', params: null },
        ],
        overlap: 'skip',
        concurrency: null,
        running: 0,
        missedSlots: 0,
        lastRun: null,
        runnable: options.runnable ?? true,
        health: { failingSince: null, streak: 0, lastSuccessAt: null, late: [], stuck: [] },
      },
      params: options.params,
    });
  }

  /** A stored run: `startedAt` places it in the list (newest first). */
  addRun(
    id: string,
    flow: string,
    state: StateName,
    startedAt: string,
    extra: Partial<RunDetail> = {},
  ): void {
    const ended = isFinal(StateNames[state]);
    this.#runs.set(id, {
      id,
      flow,
      state: stateOf(state, startedAt),
      scheduledAt: null,
      startedAt,
      endedAt: ended ? startedAt : null,
      durationMs: ended ? 0 : null,
      traceId: `trace-${id}`,
      source: 'otlp',
      tags: [],
      params: {},
      parentRunId: null,
      taskRuns: [],
      transitions: [],
      ...extra,
    });
  }

  /** A transition for the rules engine, at its own time. */
  feed(record: TransitionRecord): void {
    this.clock.advanceTo(record.at);
    this.engine.process(record);
  }

  flows(): FlowView[] {
    return [...this.#flows.values()].map(({ view }) => ({
      ...view,
      lastRun: this.runs({ flow: view.name, limit: 1 }).runs[0] ?? null,
      health: flowHealth(this.history, view.name, this.clock.now()),
    }));
  }

  runs(query: RunQuery): RunPage {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const matching = [...this.#runs.values()]
      .filter((run) => query.flow === undefined || run.flow === query.flow)
      .filter(
        (run) =>
          query.state === undefined || query.state === run.state.type || query.state === run.state.name,
      )
      .filter((run) => query.since === undefined || sortTime(run) >= query.since)
      .filter((run) => query.until === undefined || sortTime(run) < query.until)
      .filter((run) => query.tag === undefined || run.tags.includes(query.tag))
      .filter((run) => query.q === undefined || mentions(run, query.q))
      .sort((a, b) => sortTime(b) - sortTime(a) || b.id.localeCompare(a.id))
      .filter((run) => after === undefined || isAfter(run, after));
    const page = matching.slice(0, query.limit).map(summary);
    const last = page.at(-1);
    return {
      runs: page,
      nextCursor:
        matching.length > query.limit && last !== undefined ? encodeCursor([sortTime(last), last.id]) : null,
    };
  }

  run(id: string): RunDetail | undefined {
    return this.#runs.get(id);
  }

  async runNow(flow: string, params: Readonly<Record<string, unknown>>): Promise<RunSummary> {
    const known = this.#flows.get(flow);
    if (known === undefined) throw new BackendError(404, `no flow '${flow}'`);
    if (!known.view.runnable) throw new BackendError(409, `flow '${flow}' is known only over OTLP`);
    const checked = known.params?.safeParse(params);
    if (checked !== undefined && !checked.success) {
      const details = checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new BackendError(422, `invalid parameters for flow '${flow}'`, details);
    }
    this.started.push({ flow, params });
    const id = `api-run-${this.started.length}`;
    this.addRun(id, flow, 'Pending', new Date(this.clock.now()).toISOString(), { source: 'api', params });
    return summary(this.#runs.get(id)!);
  }

  async cancel(id: string): Promise<RunSummary> {
    const run = this.#runs.get(id);
    if (run === undefined) throw new BackendError(404, `no run with id '${id}'`);
    if (isFinal(run.state.type)) throw new BackendError(409, `run '${id}' already ended ${run.state.name}`);
    const at = new Date(this.clock.now()).toISOString();
    const cancelled: RunDetail = { ...run, state: stateOf('Cancelled', at), endedAt: at };
    this.#runs.set(id, cancelled);
    return summary(cancelled);
  }

  alerts(): AlertView[] {
    return this.engine.alerts().map((state) => ({
      ...state,
      id: state.fingerprint,
      acknowledged: state.acknowledgedAt !== undefined,
    }));
  }

  ack(id: string): AlertView {
    const state = this.engine.acknowledge(id, this.clock.now());
    if (state === undefined) throw new BackendError(404, `no firing alert with id '${id}'`);
    return { ...state, id: state.fingerprint, acknowledged: true };
  }

  silences(): ActiveSilence[] {
    return this.engine.silences();
  }

  addSilence(input: unknown): ActiveSilence {
    try {
      return this.engine.addSilence(input as never);
    } catch (error) {
      if (error instanceof z.ZodError) throw new BackendError(400, 'invalid silence', error.issues);
      throw error;
    }
  }

  expireSilence(id: string): void {
    if (!this.engine.removeSilence(id)) throw new BackendError(404, `no silence with id '${id}'`);
  }

  traceUrl(traceId: string | null): string | null {
    return traceId === null ? null : `http://tempo.test/trace/${traceId}`;
  }

  health(): HealthView {
    return { ...this.healthView, runsStored: this.#runs.size };
  }

  // The run UI's reads (issue 14), from `history`.
  runStats(query: StatsQuery): RunStats {
    return this.history.stats(query);
  }

  timeline(id: string): RunTimeline | undefined {
    return this.history.timeline(id);
  }

  grid(flow: string, query: GridQuery): FlowGrid | undefined {
    if (!this.#flows.has(flow) && this.history.lastRun(flow) === undefined) return undefined;
    try {
      return this.history.grid(flow, query);
    } catch (error) {
      throw new BackendError(400, (error as Error).message, [{ path: 'cursor', message: 'unknown cursor' }]);
    }
  }

  // --- Run logs and alert events (issue 14): what a test adds, filtered like serve's store ---
  /** Run id → its logs, as a test adds them (seq is given by `addLog`). */
  readonly logs = new Map<string, RunLogView[]>();
  /** Every alert event, oldest first. */
  readonly alertEvents: AlertEvent[] = [];

  addLog(runId: string, log: Omit<RunLogView, 'seq'>): void {
    const logs = this.logs.get(runId) ?? [];
    logs.push({ ...log, seq: logs.length + 1 });
    this.logs.set(runId, logs);
  }

  runLogs(runId: string, query: RunLogQuery): RunLogPage | undefined {
    if (!this.#runs.has(runId)) return undefined;
    const order = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
    const after = query.cursor === undefined ? 0 : Number(query.cursor);
    const matching = (this.logs.get(runId) ?? []).filter(
      (log) =>
        log.seq > after &&
        (query.level === undefined || order.indexOf(log.level) >= order.indexOf(query.level)) &&
        (query.task === undefined || log.task === query.task) &&
        (query.attempt === undefined || log.attempt === query.attempt) &&
        (query.q === undefined || log.body.toLowerCase().includes(query.q.toLowerCase())),
    );
    const logs = matching.slice(0, query.limit);
    const more = matching.length > query.limit;
    return { logs, nextCursor: more ? String(logs.at(-1)?.seq) : null, dropped: 0 };
  }

  runAlerts(runId: string): AlertEvent[] | undefined {
    if (!this.#runs.has(runId)) return undefined;
    return this.alertEvents.filter((event) => event.runId === runId);
  }

  alertHistory(query: { flow?: string; limit: number; cursor?: number }): AlertEventPage {
    const matching = [...this.alertEvents]
      .reverse()
      .filter(
        (event) =>
          (query.flow === undefined || event.flow === query.flow) &&
          (query.cursor === undefined || event.id < query.cursor),
      );
    const events = matching.slice(0, query.limit);
    return {
      events,
      nextCursor: matching.length > query.limit ? String(events.at(-1)?.id) : null,
    };
  }
}

function mentions(run: RunSummary, q: string): boolean {
  const needle = q.toLowerCase();
  return [run.error?.type, run.error?.message, run.state.message].some((text) =>
    text?.toLowerCase().includes(needle),
  );
}

function sortTime(run: RunSummary): number {
  return Date.parse(run.startedAt ?? run.scheduledAt ?? '1970-01-01T00:00:00Z');
}

function summary(run: RunDetail): RunSummary {
  const { params: _p, parentRunId: _parent, taskRuns: _t, transitions: _tr, ...rest } = run;
  return rest;
}

type Cursor = [number, string];

function isAfter(run: RunSummary, [time, id]: Cursor): boolean {
  return sortTime(run) < time || (sortTime(run) === time && run.id.localeCompare(id) < 0);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString());
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string')
      return [value[0], value[1]];
  } catch {}
  throw new BackendError(400, 'cursor is not one this server gave out', [
    { path: 'cursor', message: 'unknown cursor' },
  ]);
}
