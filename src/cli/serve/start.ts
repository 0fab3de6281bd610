import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../clock.ts';
import { readRetention } from '../../history/retention.ts';
import { createForwarder } from '../../receiver/forward.ts';
import { createIngest } from '../../receiver/ingest/index.ts';
import { createOtlpHttpHandler } from '../../receiver/otlp/index.ts';
import { createScheduler, type DueSlot } from '../../schedule/scheduler.ts';
import { checkBindSafety, createApiServer } from '../../server/api.ts';
import { createServeMetrics } from '../../server/metrics/index.ts';
import { openStore } from '../../store/index.ts';
import { SqliteRunHistory } from '../../store/runs.ts';
import { SqliteScheduleMarks } from '../../store/schedule-marks.ts';
import { SqliteSilenceStore } from '../../store/silences.ts';
import { HeartbeatWatch } from '../../watch/heartbeat-watch.ts';
import { UsageError } from '../usage.ts';
import type { ServeArgs } from './args.ts';
import { serveBackend } from './backend.ts';
import { type Catalog, loadCatalog } from './catalog.ts';
import { ServeCore } from './core.ts';
import { schedulableFlows, watchedSchedules } from './flows.ts';
import { Launcher } from './launcher.ts';
import { RulesHost } from './rules-host.ts';

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
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * The one place serve's parts are put together: the store (history, schedule marks, silences, alert
 * state and outbox, all in FLOWTEL_HOME's SQLite file), the rules and delivery, the OTLP receiver, the
 * scheduler with its child-process launcher, the crash watch, metrics and the API. Every transition,
 * whoever made it, goes through `ServeCore.accept`.
 */
export async function startServe(options: StartServeOptions): Promise<RunningServe> {
  const { env, log } = options;
  const token = env.FLOWTEL_API_TOKEN || undefined;
  const unsafe = checkBindSafety(options.host, token);
  if (unsafe) throw new UsageError(unsafe);
  const retentionMs = readRetention(env);
  const clock = systemClock;
  const startedAt = clock.now();

  let catalog: Catalog = { flows: [], problems: [] };
  if (options.flows.length > 0) {
    catalog = await loadCatalog(options.flows, { timeoutMs: options.loadTimeoutMs, env });
    if (catalog.problems.length > 0) {
      throw new UsageError(`the flows of --flows do not load:\n  ${catalog.problems.join('\n  ')}`);
    }
  }

  const store = await openStore({ env, log });
  const history = new SqliteRunHistory(store.db, { log });
  const marks = new SqliteScheduleMarks(store.db);
  const silences = new SqliteSilenceStore(store.db);
  const metrics = await createServeMetrics();
  const scheduledRuns = new Map<string, string>(); // run id → flow, for the runs the scheduler launched

  const watch = new HeartbeatWatch({
    clock,
    onCrashed: (run) => {
      const why = `no heartbeat for ${Math.round(run.silentForMs / 1000)} s (3 of its intervals): its process is gone`;
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
    },
    onRunEnded: (runId) => {
      const flow = scheduledRuns.get(runId);
      if (flow === undefined) return;
      scheduledRuns.delete(runId);
      scheduler.runEnded(flow);
    },
  });
  rules = await RulesHost.start({
    dir: options.rules ?? (await defaultRulesDir()),
    env,
    clock,
    store,
    silences,
    history,
    schedules: () => watchedSchedules(catalog.flows),
    log,
    onNotification: () => {},
  });

  // OTLP in: flowtel's own children, and pipelines anywhere.
  const ingest = createIngest({
    onTransition: (record) => core.accept(record, 'otlp'),
    onHeartbeat: (beat) => core.heartbeat(beat.runId, beat.atMs, beat.intervalMs),
  });
  const forwarder = options.forward === undefined ? undefined : createForwarder(options.forward, { log });
  const otlpServer = createServer(
    createOtlpHttpHandler({
      onSpans: (spans) => ingest.spans(spans),
      onLogs: (records) => ingest.logs(records),
      onMetrics: () => {},
      ...(forwarder ? { onAccepted: (request) => forwarder.forward(request) } : {}),
    }),
  );
  const otlpPort = await listen(otlpServer, options.otlpPort, options.host);
  const otlpUrl = `http://${urlHost(options.host)}:${otlpPort}`;
  const childOtlpUrl = `http://${childHost(options.host)}:${otlpPort}`;

  // Where runs report: serve itself, unless a Collector in front of serve fans their telemetry out.
  const workerOtlpUrl = env.FLOWTEL_WORKER_OTLP_ENDPOINT || childOtlpUrl;
  const launcher = new Launcher({ core, history, clock, otlpEndpoint: workerOtlpUrl, env, log });
  const launchScheduled = (slot: DueSlot) => {
    const flow = catalog.flows.find((candidate) => candidate.name === slot.flow);
    if (!flow) return scheduler.runEnded(slot.flow);
    metrics.scheduled(slot.flow, 'launched');
    launcher
      .launch({ flow, params: slot.params ?? {}, source: 'schedule', scheduledAt: slot.scheduledAt })
      .then(
        (outcome) => {
          if (!outcome.ok) return;
          // Its end may already have been recorded (a run faster than this answer).
          const run = history.get(outcome.runId);
          if (run && run.endedAt === null) scheduledRuns.set(outcome.runId, slot.flow);
          else scheduler.runEnded(slot.flow);
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
        `flowtel serve: flow '${missed.flow}' missed ${missed.count}${missed.more ? '+' : ''} slot(s) of ${missed.scheduleId} while serve was down`,
      );
    },
    onSkipped: (slot, reason) => {
      metrics.scheduled(slot.flow, 'skipped');
      log(
        `flowtel serve: flow '${slot.flow}' slot ${new Date(slot.scheduledAt).toISOString()} skipped: ${reason}`,
      );
    },
    onError: (error) => log(`flowtel serve: scheduler: ${String(error)}`),
  });

  // Runs a serve that died left in flight: its own children died with it; other processes may live on.
  for (const run of history.inFlight()) {
    if (run.source === 'otlp') watch.heard(run.id, run.lastHeardAt, run.heartbeatIntervalMs);
    else core.crash(run.id, 'flowtel serve stopped while the run was in flight');
  }
  scheduler.load(schedulableFlows(catalog.flows));

  const counters = () => {
    const stats = ingest.stats();
    const outbox = rules?.outbox(clock.now()) ?? { depth: 0, oldestAgeMs: null };
    return {
      outbox,
      evaluationLagMs: core.stats().evaluationLagMs,
      received: { spans: stats.spans, logRecords: stats.logRecords, metrics: stats.metricPoints },
      rejected: {
        requests: stats.rejectedRequests,
        spans: stats.rejectedSpans,
        logRecords: stats.rejectedLogRecords,
      },
      problems: history.problems(),
    };
  };
  const backend = serveBackend({
    clock,
    history,
    launcher,
    silences,
    startedAt,
    cancelGraceMs: CANCEL_GRACE_MS,
    engine: () => (rules as RulesHost).engine,
    flows: () => catalog.flows,
    schedules: () => scheduler.views(),
    traceTemplate: () => rules?.traceTemplate(),
    counters,
  });
  const api = await createApiServer({
    backend,
    token,
    host: options.host,
    port: options.port,
    log,
    extraRoutes: {
      '/metrics': async () => {
        const health = backend.health();
        metrics.setHealth({
          outboxDepth: health.outbox.depth,
          outboxOldestAgeMs: health.outbox.oldestAgeMs,
          evaluationLagMs: health.evaluationLagMs,
          runsInFlight: health.runsInFlight,
        });
        return metrics.render();
      },
    },
  });

  const prune = () => {
    if (retentionMs > 0) history.prune(clock.now() - retentionMs);
  };
  prune();
  const pruning = setInterval(prune, PRUNE_EVERY_MS);
  pruning.unref();

  const schedules = catalog.flows.reduce((sum, flow) => sum + flow.schedules.length, 0);
  return {
    apiUrl: api.url,
    otlpUrl,
    summary: `${catalog.flows.length} flow(s) with ${schedules} schedule(s); ${rules.rules.rules.length} rule(s); history in ${history.location}`,
    async reload() {
      const said: string[] = [];
      if (options.flows.length > 0) {
        const next = await loadCatalog(options.flows, { timeoutMs: options.loadTimeoutMs, env });
        if (next.problems.length > 0) {
          said.push(`flows not reloaded, the last good ones stay: ${next.problems.join('; ')}`);
        } else {
          catalog = next;
          scheduler.load(schedulableFlows(catalog.flows));
          said.push(`flows reloaded: ${catalog.flows.length}`);
        }
      }
      try {
        await (rules as RulesHost).reload();
        said.push(`rules reloaded: ${(rules as RulesHost).rules.rules.length}`);
      } catch (error) {
        said.push(
          `rules not reloaded, the last good ones stay: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return `flowtel serve: SIGHUP: ${said.join('; ')}`;
    },
    async stop() {
      clearInterval(pruning);
      scheduler.stop();
      await api.close();
      await launcher.settle(options.shutdownGraceMs);
      await launcher.stopAll(CANCEL_GRACE_MS);
      // Their last telemetry has arrived: nothing more comes in.
      await close(otlpServer);
      await forwarder?.close(2_000);
      watch.close();
      const pending = await (rules as RulesHost).stop(5_000);
      if (pending > 0)
        log(`flowtel serve: ${pending} notification(s) not delivered yet; they stay in the outbox`);
      await history.flush(5_000);
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
