import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChannelDefinition, secretRefs } from '../../alerts/channels.ts';
import type { AlertState } from '../../alerts/state.ts';
import { systemClock } from '../../clock.ts';
import { pruneEvery, readRetention } from '../../history/retention.ts';
import { createForwarder } from '../../receiver/forward.ts';
import { createIngest, type IngestStats, type RejectedSignal } from '../../receiver/ingest/index.ts';
import { createReceiverHandler } from '../../receiver/receiver.ts';
import { createScheduler, type DueSlot } from '../../schedule/scheduler.ts';
import { createApiServer } from '../../server/api.ts';
import { checkBindSafety } from '../../server/auth.ts';
import { eventStreamRoute } from '../../server/events/stream.ts';
import { createServeMetrics, type FiringCount, type ServeMetrics } from '../../server/metrics/index.ts';
import { uiRoutes } from '../../server/ui/static.ts';
import { databasePath, flowtelHome, openStore } from '../../store/index.ts';
import { SqliteRunHistory } from '../../store/runs.ts';
import { SqliteScheduleMarks } from '../../store/schedule-marks.ts';
import { SqliteSilenceStore } from '../../store/silences.ts';
import { DEFAULT_BUSY_TIMEOUT_MS } from '../../store/sqlite.ts';
import { HeartbeatWatch } from '../../watch/heartbeat-watch.ts';
import { UsageError } from '../usage.ts';
import type { ServeArgs } from './args.ts';
import { serveBackend } from './backend.ts';
import { type Catalog, type CatalogProblem, loadCatalog } from './catalog.ts';
import { ServeCore } from './core.ts';
import { schedulableFlows, watchedSchedules } from './flows.ts';
import { Launcher } from './launcher.ts';
import { RulesHost } from './rules-host.ts';
import { createUiFeeds } from './ui-feeds.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface StartServeOptions extends Omit<ServeArgs, 'help'> {
  readonly env: Env;
  readonly log: (line: string) => void;
  readonly loadTimeoutMs: number;
  readonly shutdownGraceMs: number;
}

export interface RunningServe {
  readonly apiUrl: string;
  readonly otlpUrl: string;
  /** One line: what serve runs and watches. */
  readonly summary: string;
  /** SIGHUP: flows and rules loaded again; the last good ones stay when the new ones do not load. */
  reload(): Promise<string>;
  /** SIGTERM: stop scheduling, let running flows finish within the grace, cancel the rest, flush, close. */
  stop(): Promise<void>;
}

/** How long a cancelled run's process has to end before it is killed. */
const CANCEL_GRACE_MS = 15_000;

/**
 * The one place serve's parts are put together: the store (history, schedule marks, silences, alert
 * state and outbox, all in FLOWTEL_HOME's SQLite file), the rules and delivery, the OTLP receiver, the
 * scheduler with its child-process launcher, the crash watch, metrics and the API. Every transition,
 * whoever made it, goes through `ServeCore.accept`.
 */
export async function startServe(options: StartServeOptions): Promise<RunningServe> {
  const { env, log } = options;
  const token = env.FLOWTEL_API_TOKEN || undefined;
  try {
    checkBindSafety(options.host, token);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const retentionMs = readRetention(env);
  const clock = systemClock;
  const startedAt = clock.now();

  let catalog: Catalog = { flows: [], problems: [] };
  if (options.flows.length > 0) {
    catalog = await loadCatalog(options.flows, { timeoutMs: options.loadTimeoutMs, env });
    if (catalog.problems.length > 0) {
      throw new UsageError(`the flows of --flows do not load:\n  ${said(catalog.problems).join('\n  ')}`);
    }
  }

  const store = await openStore({ env, log });
  const history = new SqliteRunHistory(store.db, { clock, busyTimeoutMs: DEFAULT_BUSY_TIMEOUT_MS, log });
  const marks = new SqliteScheduleMarks(store.db);
  const silences = new SqliteSilenceStore(store.db);
  const metrics = await createServeMetrics();
  const feeds = createUiFeeds(store.db, clock, log);
  /** Run id → flow, for the runs the scheduler launched (it counts them until they end). */
  const scheduledRuns = new Map<string, string>();

  const watch = new HeartbeatWatch({
    clock,
    onCrashed: (run) => {
      const silent = Math.round((clock.now() - run.lastHeardAt) / 1000);
      const why = `nothing heard from the run for ${silent} s (3 heartbeat intervals of ${Math.round(run.intervalMs / 1000)} s): its process is gone`;
      if (core.crash(run.runId, why)) log(`flowtel serve: run ${run.runId} crashed: ${why}`);
    },
  });
  let rules: RulesHost | undefined;
  const core: ServeCore = new ServeCore({
    history,
    watch,
    clock,
    consumers: {
      evaluate: (record) => rules?.engine.process(record),
      count: (record) => metrics.observe(record),
      live: (record) => feeds.transition(record),
    },
    onRunEnded: (runId) => {
      const flow = scheduledRuns.get(runId);
      if (flow === undefined) return;
      scheduledRuns.delete(runId);
      scheduler.runEnded(flow);
    },
  });
  const host: RulesHost = await RulesHost.start({
    dir: options.rules ?? (await defaultRulesDir()),
    env,
    clock,
    store,
    silences,
    history,
    schedules: () => watchedSchedules(catalog.flows),
    log,
    metrics,
    onNotification: (notification) => feeds.notification(notification),
    logUnconfigured: options.logUnconfigured,
  });
  rules = host;

  // OTLP in: serve's own runs, and pipelines anywhere.
  const ingest = createIngest({
    onTransition: (record) => core.accept(record, 'otlp'),
    // The sender's clock may be off: a heartbeat counts from when serve heard it.
    onHeartbeat: (beat) => core.heartbeat(beat.runId, clock.now(), beat.intervalMs),
    onRunLog: (record) => feeds.runLogs.add(record),
  });
  const forwarder =
    options.forward === undefined ? undefined : createForwarder({ url: options.forward, warn: log });
  const otlpServer = createServer(createReceiverHandler({ ingest, ...(forwarder ? { forwarder } : {}) }));
  const otlpPort = await listen(otlpServer, options.otlpPort, options.host);
  const otlpUrl = `http://${urlHost(options.host)}:${otlpPort}`;
  // Where runs report: serve itself, unless a Collector in front of serve fans their telemetry out.
  const workerOtlpUrl = env.FLOWTEL_WORKER_OTLP_ENDPOINT || `http://${childHost(options.host)}:${otlpPort}`;

  const launcher = new Launcher({
    core,
    history,
    clock,
    otlpEndpoint: workerOtlpUrl,
    env: () => runEnvironment(env, host.rules.channels),
    log,
  });
  const launchScheduled = (slot: DueSlot) => {
    const flow = catalog.flows.find((candidate) => candidate.name === slot.flow);
    if (!flow) return scheduler.runEnded(slot.flow);
    metrics.scheduled(slot.flow, 'launched');
    launcher
      .launch({ flow, params: slot.params ?? {}, source: 'schedule', scheduledAt: slot.scheduledAt })
      .then(
        (outcome) => {
          // Its end may already have been recorded (a run faster than this answer, or refused).
          const run = history.get(outcome.runId);
          if (outcome.ok && run && run.endedAt === null) scheduledRuns.set(outcome.runId, slot.flow);
          else scheduler.runEnded(slot.flow);
          if (!outcome.ok && outcome.reason === 'locked') {
            metrics.scheduled(slot.flow, 'skipped');
            log(
              `flowtel serve: flow '${slot.flow}': the slot of ${new Date(slot.scheduledAt).toISOString()} is skipped: ${outcome.message}`,
            );
          }
        },
        (error: unknown) => {
          log(`flowtel serve: cannot start a run of '${slot.flow}': ${String(error)}`);
          scheduler.runEnded(slot.flow);
        },
      );
  };
  const scheduler = createScheduler({
    clock,
    marks,
    launch: launchScheduled,
    onMissed: (missed) => {
      metrics.scheduled(missed.flow, 'missed', missed.count);
      log(
        `flowtel serve: flow '${missed.flow}' missed ${missed.count}${missed.more ? '+' : ''} slot(s) of schedule '${missed.scheduleId}' while serve was not running`,
      );
    },
    onSkipped: (slot, reason) => {
      metrics.scheduled(slot.flow, 'skipped');
      log(
        `flowtel serve: flow '${slot.flow}': the slot of ${new Date(slot.scheduledAt).toISOString()} is skipped: ${reason}`,
      );
    },
    onError: (error) => log(`flowtel serve: scheduler: ${String(error)}`),
  });

  const problems: string[] = [];
  const backend = serveBackend({
    clock,
    history,
    launcher,
    silences,
    startedAt,
    cancelGraceMs: CANCEL_GRACE_MS,
    engine: () => host.engine,
    flows: () => catalog.flows,
    schedules: () => scheduler.views(),
    traceTemplate: () => host.traceTemplate(),
    runLogs: feeds.runLogs,
    alertEvents: feeds.alertEvents,
    onAcknowledged: (alert, at) => feeds.acknowledged(alert, at),
    counters: () => {
      const stats = ingest.stats();
      return {
        outbox: host.outbox(clock.now()),
        evaluationLagMs: core.evaluationLagMs(),
        received: stats.received,
        rejected: { requests: sum(stats.rejected.requests), items: sum(stats.rejected.items) },
        problems: [...problems],
      };
    },
  });
  const ingestCounts = ingestDeltas(metrics);
  const api = await createApiServer({
    backend,
    token,
    host: options.host,
    port: options.port,
    log,
    clock,
    extraRoutes: [
      {
        method: 'GET',
        path: '/metrics',
        handle: async (_request, response) => {
          const health = backend.health();
          metrics.setHealth({
            outboxDepth: health.outbox.depth,
            outboxOldestAgeMs: health.outbox.oldestAgeMs,
            evaluationLagMs: health.evaluationLagMs,
            runsInFlight: health.runsInFlight,
            firing: firingCounts(host.engine.alerts()),
          });
          ingestCounts.report(ingest.stats());
          const { contentType, body } = await metrics.render();
          response.writeHead(200, { 'content-type': contentType });
          response.end(body);
        },
      },
      eventStreamRoute({ hub: feeds.live, backend }),
      ...uiRoutes(),
    ],
  }).catch(async (error: unknown) => {
    await close(otlpServer);
    await host.stop(0);
    feeds.close();
    history.close();
    store.close();
    throw new UsageError((error as Error).message);
  });

  // Runs a serve that died left in flight: its own runs' processes died with it (they cancel themselves
  // when serve goes); runs of other processes may live on, and get their heartbeat intervals to say so.
  for (const run of history.inFlight()) {
    if (run.source === 'otlp') watch.heard(run.id, clock.now(), run.heartbeatIntervalMs);
    else core.crash(run.id, 'flowtel serve stopped while the run was in flight');
  }
  scheduler.load(schedulableFlows(catalog.flows));

  // Logs and alert events go with their runs (logs once the run is pruned, alert events by age).
  const stopPruning = pruneEvery(
    {
      prune: (before) => history.prune(before) + feeds.prune(before),
    },
    retentionMs,
    { clock },
  );

  const schedules = catalog.flows.reduce((count, flow) => count + flow.schedules.length, 0);
  return {
    apiUrl: api.url,
    otlpUrl,
    summary: `${catalog.flows.length} flow(s) with ${schedules} schedule(s); ${host.rules.rules.length} rule(s); history in ${databasePath(flowtelHome(env))}`,
    async reload() {
      const outcome: string[] = [];
      problems.length = 0;
      if (options.flows.length > 0) {
        const next = await loadCatalog(options.flows, { timeoutMs: options.loadTimeoutMs, env });
        if (next.problems.length > 0) {
          const why = said(next.problems).join('; ');
          problems.push(`the last reload of --flows failed, the flows before it stay: ${why}`);
          outcome.push(`flows not reloaded, the last good ones stay: ${why}`);
        } else {
          catalog = next;
          scheduler.load(schedulableFlows(catalog.flows));
          host.watchSchedules();
          feeds.live.publish({ kind: 'flows' });
          outcome.push(`${catalog.flows.length} flow(s) reloaded`);
        }
      }
      try {
        await host.reload();
        outcome.push(`${host.rules.rules.length} rule(s) reloaded`);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        problems.push(`the last reload of the rules failed, the rules before it stay: ${why}`);
        outcome.push(`rules not reloaded, the last good ones stay: ${why}`);
      }
      return `flowtel serve: SIGHUP: ${outcome.join('; ')}`;
    },
    async stop() {
      stopPruning();
      scheduler.stop();
      feeds.live.close();
      await api.close();
      await launcher.settle(options.shutdownGraceMs);
      await launcher.stopAll(CANCEL_GRACE_MS);
      // The runs' last telemetry has arrived: nothing more comes in.
      await close(otlpServer);
      await forwarder?.close(2_000);
      watch.close();
      const pending = await host.stop(5_000);
      if (pending > 0)
        log(`flowtel serve: ${pending} notification(s) not delivered yet; they stay in the outbox`);
      await history.flush(5_000);
      await feeds.flush(2_000);
      feeds.close();
      history.close();
      store.close();
    },
  };
}

async function defaultRulesDir(): Promise<string | undefined> {
  const { existsSync } = await import('node:fs');
  return existsSync('rules') ? 'rules' : undefined;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new UsageError(
              `port ${port} on ${host} is in use (another flowtel serve? pick one with --port / --otlp-port, or 0)`,
            )
          : error,
      ),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** A host as it goes in a URL (IPv6 in brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Where serve's own children reach its OTLP port: loopback when serve listens on every address. */
function childHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return urlHost(host);
}

function said(problems: readonly CatalogProblem[]): string[] {
  return problems.map((problem) => (problem.file ? `${problem.file}: ${problem.message}` : problem.message));
}

function sum(counts: Readonly<Record<string, number | undefined>>): number {
  let total = 0;
  for (const count of Object.values(counts)) total += count ?? 0;
  return total;
}

/** Firing alerts by rule and severity, for `flowtel_alerts_firing`. */
function firingCounts(alerts: readonly AlertState[]): FiringCount[] {
  const counts = new Map<string, FiringCount>();
  for (const alert of alerts) {
    if (alert.status !== 'firing') continue;
    const key = `${alert.rule}\u0000${alert.severity}`;
    const seen = counts.get(key);
    counts.set(key, { rule: alert.rule, severity: alert.severity, count: (seen?.count ?? 0) + 1 });
  }
  return [...counts.values()];
}

/**
 * Ingest keeps running totals; `/metrics` counters take increments: each scrape adds what grew since
 * the last one.
 */
function ingestDeltas(metrics: ServeMetrics): { report(stats: IngestStats): void } {
  const last = new Map<string, number>();
  const add = (key: string, total: number, count: (n: number) => void) => {
    const grown = total - (last.get(key) ?? 0);
    if (grown > 0) count(grown);
    last.set(key, total);
  };
  return {
    report(stats) {
      add('spans', stats.received.spans, (n) => metrics.received('traces', 'spans', n));
      add('logs', stats.received.logRecords, (n) => metrics.received('logs', 'log_records', n));
      add('points', stats.received.metricPoints, (n) => metrics.received('metrics', 'data_points', n));
      for (const [signal, reasons] of Object.entries(stats.rejected.bySignal) as [
        RejectedSignal,
        Record<string, number>,
      ][]) {
        for (const [reason, total] of Object.entries(reasons)) {
          add(`${signal}:${reason}`, total, (n) => metrics.rejected(signal, reason, n));
        }
      }
    },
  };
}

/**
 * What a run's process inherits: serve's environment without serve's own secrets (the API token, the
 * variables the rules' channels read). Runs report to serve and never deliver alerts themselves, so
 * user code has no business holding the Slack webhook.
 */
function runEnvironment(env: Env, channels: Readonly<Record<string, ChannelDefinition>>): Env {
  const withheld = new Set(['FLOWTEL_API_TOKEN']);
  for (const channel of Object.values(channels)) for (const ref of secretRefs(channel)) withheld.add(ref.env);
  return Object.fromEntries(Object.entries(env).filter(([name]) => !withheld.has(name)));
}
