import { missingSecrets } from '../../alerts/channels.ts';
import { traceUrlTemplate } from '../../alerts/trace-link.ts';
import type { Notification } from '../../alerts/types.ts';
import type { Clock } from '../../clock.ts';
import type { RunHistory } from '../../history/types.ts';
import { ConsoleNotifier, createDelivery, type Delivery } from '../../notify/index.ts';
import { deliveryMetrics } from '../../notify/metrics.ts';
import { createRulesEngine, type RulesEngine } from '../../rules/engine.ts';
import { loadRules } from '../../rules/load.ts';
import { type LoadedRules, mergeRuleFiles } from '../../rules/resolve.ts';
import type { SilenceInput } from '../../rules/schema.ts';
import { countDeliveriesIn, type ServeMetrics } from '../../server/metrics/index.ts';
import type { FlowtelStore } from '../../store/index.ts';
import type { SilenceStore, StoredSilence } from '../../store/silences.ts';
import { registerChannelSecrets } from '../secrets.ts';
import { UsageError } from '../usage.ts';
import type { WatchedSchedules } from './flows.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * serve's rules: the engine evaluating every transition serve records, and delivery sending what it
 * decides, both on FLOWTEL_HOME's store (alert state and the outbox commit together). Unlike `flowtel
 * run`, serve refuses a channel whose variables are unset: a central alerting service that prints its
 * alerts to a log nobody reads would lose them. Only `--log-unconfigured` (someone trying serve on
 * their machine) sends such a channel's alerts to serve's log instead. `reload` swaps in a new engine and delivery on the same
 * store when the rules folder changed, keeping the old ones when the new rules do not load.
 */
export class RulesHost {
  #rules: LoadedRules;
  #engine: RulesEngine;
  #delivery: Delivery | undefined;
  readonly #options: RulesHostOptions;

  private constructor(
    options: RulesHostOptions,
    rules: LoadedRules,
    engine: RulesEngine,
    delivery: Delivery | undefined,
  ) {
    this.#options = options;
    this.#rules = rules;
    this.#engine = engine;
    this.#delivery = delivery;
  }

  static async start(options: RulesHostOptions): Promise<RulesHost> {
    const { rules, unconfigured } = await readRules(options);
    const { engine, delivery } = await build(options, rules, unconfigured);
    const host = new RulesHost(options, rules, engine, delivery);
    // Delivery sends only what is committed: it wakes when notifications are (whichever delivery is current).
    options.store.onCommit(() => {
      void host.#delivery
        ?.runDue()
        .catch((error: unknown) => options.log(`flowtel serve: delivery failed: ${String(error)}`));
    });
    host.#prime();
    return host;
  }

  get engine(): RulesEngine {
    return this.#engine;
  }

  get rules(): LoadedRules {
    return this.#rules;
  }

  traceTemplate(): string | undefined {
    return traceUrlTemplate(this.#rules.links, this.#options.env);
  }

  /** Loads the rules folder again; on success the new rules take over, else the error is thrown and nothing changes. */
  async reload(): Promise<void> {
    const { rules, unconfigured } = await readRules(this.#options);
    const old = { engine: this.#engine, delivery: this.#delivery };
    old.engine.flush();
    old.engine.close();
    await this.#options.store.flush(2_000);
    await old.delivery?.close();
    const next = await build(this.#options, rules, unconfigured);
    this.#rules = rules;
    this.#engine = next.engine;
    this.#delivery = next.delivery;
    this.#prime();
  }

  /** Pending outbox entries and the age of the oldest, for /healthz and /metrics. */
  outbox(now: number): { depth: number; oldestAgeMs: number | null } {
    const pending = this.#options.store.outbox.list({ status: 'pending' });
    let oldest: number | undefined;
    for (const entry of pending)
      oldest = oldest === undefined ? entry.createdAt : Math.min(oldest, entry.createdAt);
    return { depth: pending.length, oldestAgeMs: oldest === undefined ? null : Math.max(0, now - oldest) };
  }

  /** Grouped notifications sent now; delivery given `timeoutMs` to send what is due; then closed. */
  async stop(timeoutMs: number): Promise<number> {
    this.#engine.flush();
    this.#engine.close();
    const stored = await this.#options.store.flush(timeoutMs);
    let pending = 0;
    if (this.#delivery && stored) pending = (await this.#delivery.flush(timeoutMs)).pending;
    await this.#delivery?.close();
    return pending;
  }

  /**
   * Tells the engine the schedules of the flows serve runs (again after the flows were reloaded), with
   * when each flow last started, so that slots missed while serve was down are late at once.
   */
  watchSchedules(): void {
    const { schedules, history } = this.#options;
    const engine = this.#engine;
    const lastStarts = history.lastStarts();
    for (const { flow, schedules: specs } of schedules()) {
      try {
        const lastStartedAt = lastStarts.get(flow);
        engine.registerSchedule(flow, specs, lastStartedAt === undefined ? {} : { lastStartedAt });
      } catch (error) {
        this.#options.log(
          `flowtel serve: the schedule of flow '${flow}' cannot be watched: ${(error as Error).message}`,
        );
      }
    }
  }

  /**
   * What a new engine must know that is not in its alert state: the silences created over the API, the
   * schedules of the flows serve runs (with when each last started, so slots missed while serve was
   * down are late at once), and the runs in flight (so their duration rules keep watching them).
   */
  #prime(): void {
    const { silences, history } = this.#options;
    const engine = this.#engine;
    const now = this.#options.clock.now();
    for (const silence of silences.list()) {
      if (silence.endsAt > now) engine.addSilence(silenceInput(silence));
      else silences.remove(silence.id);
    }
    this.watchSchedules();
    for (const run of history.inFlight()) {
      const detail = history.get(run.id);
      for (const record of detail?.transitions ?? []) if (record.task === undefined) engine.process(record);
    }
  }
}

export interface RulesHostOptions {
  /** The rules folder; undefined: no rules (serve still keeps history and schedules). */
  readonly dir: string | undefined;
  readonly env: Env;
  readonly clock: Clock;
  readonly store: FlowtelStore;
  readonly silences: SilenceStore;
  readonly history: RunHistory;
  /** The flows' own schedules, for flow-late rules that carry none. */
  readonly schedules: () => readonly WatchedSchedules[];
  readonly log: (line: string) => void;
  /** Where delivery's outcomes are counted for `/metrics`, besides its OTel counter. */
  readonly metrics: Pick<ServeMetrics, 'notification'>;
  /** Every notification the engine decides on (fired, repeated, resolved), as it goes to the outbox. */
  readonly onNotification?: (notification: Notification) => void;
  /** `--log-unconfigured`: a channel whose variables are unset prints to the log instead of refusing serve. */
  readonly logUnconfigured?: boolean;
}

/** Channel name → the variables it lacks. */
type Unconfigured = ReadonlyMap<string, readonly string[]>;

async function readRules(
  options: RulesHostOptions,
): Promise<{ rules: LoadedRules; unconfigured: Unconfigured }> {
  if (options.dir === undefined) return { rules: mergeRuleFiles([]).rules, unconfigured: new Map() };
  const rules = await loadRules(options.dir, { env: options.env });
  registerChannelSecrets(rules.channels, options.env);
  const unconfigured = new Map(
    Object.entries(rules.channels)
      .map(([name, channel]) => [name, missingSecrets(channel, options.env)] as const)
      .filter(([, missing]) => missing.length > 0),
  );
  if (unconfigured.size > 0 && options.logUnconfigured !== true) {
    const list = [...unconfigured].map(([name, missing]) => `${name} (set ${missing.join(', ')})`).join('; ');
    throw new UsageError(
      `serve delivers every alert, so every channel must be configured: ${list} (to try serve on this machine with their alerts in its log instead: --log-unconfigured)`,
    );
  }
  return { rules, unconfigured };
}

async function build(
  options: RulesHostOptions,
  rules: LoadedRules,
  unconfigured: Unconfigured,
): Promise<{ engine: RulesEngine; delivery: Delivery | undefined }> {
  const { store, log } = options;
  const configured = Object.fromEntries(
    Object.entries(rules.channels).filter(([name]) => !unconfigured.has(name)),
  );
  const delivery =
    Object.keys(configured).length > 0
      ? await createDelivery({
          rules: { ...rules, channels: configured },
          env: options.env,
          log,
          store: store.outbox,
          clock: options.clock,
          metrics: countDeliveriesIn(options.metrics, deliveryMetrics()),
        })
      : undefined;
  const printer =
    unconfigured.size === 0
      ? undefined
      : new ConsoleNotifier({ write: (text) => log(text.trimEnd()), unconfigured });
  const template = traceUrlTemplate(rules.links, options.env);
  const engine = createRulesEngine({
    rules,
    clock: options.clock,
    store: store.alertState,
    ...(template === undefined ? {} : { traceUrlTemplate: template }),
    onWarning: (message) => log(`flowtel serve: ${message}`),
    onError: (error) => log(`flowtel serve: alerting: ${String(error)}`),
    sink: (notification) => {
      const sendable = notification.channels.filter((name) => !unconfigured.has(name));
      if (printer && sendable.length < notification.channels.length) {
        void printer.send({ channel: 'console', notifications: [notification] });
      }
      if (sendable.length > 0) delivery?.sink({ ...notification, channels: sendable });
      options.onNotification?.(notification);
    },
  });
  return { engine, delivery };
}

/** A stored silence as the engine takes it (the store keeps read-only lists). */
function silenceInput(silence: StoredSilence): SilenceInput {
  const { rule, flow, labels } = silence.matchers;
  return {
    ...silence,
    matchers: {
      ...(rule === undefined ? {} : { rule: typeof rule === 'string' ? rule : [...rule] }),
      ...(flow === undefined ? {} : { flow: typeof flow === 'string' ? flow : [...flow] }),
      ...(labels === undefined ? {} : { labels: { ...labels } }),
    },
  };
}
