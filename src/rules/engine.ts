import { randomUUID } from 'node:crypto';
import { type AlertState, type AlertStateStore, InMemoryAlertStateStore } from '../alerts/state.ts';
import type { Notification } from '../alerts/types.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import type { Schedule } from '../schedule/flow-schedules.ts';
import { TimerQueue } from '../schedule/timer-queue.ts';
import { AlertBook } from './alert-book.ts';
import type { AlertEvent, ConditionContext, RunInfo } from './conditions/context.ts';
import { FailuresWindow } from './conditions/failures-window.ts';
import { Lateness } from './conditions/late.ts';
import { flowDurationAbove, flowFailed, isEnd, taskFailed, taskRetrying } from './conditions/outcomes.ts';
import { RunningLongerThan } from './conditions/running-longer.ts';
import type { ConditionType } from './conditions-schema.ts';
import { NotificationGroups } from './groups.ts';
import { factsOf, groupByValues, type Identity, identityOf } from './identity.ts';
import type { LoadedRules, Rule } from './resolve.ts';
import { RuleIndex } from './rule-index.ts';
import type { Silence, SilenceInput } from './schema.ts';
import { SilenceSchema } from './schema.ts';
import { type ActiveSilence, Silences } from './silences.ts';

export type NotificationSink = (notification: Notification) => void | Promise<void>;

export interface RulesEngineOptions {
  readonly rules: LoadedRules;
  /** Receives every notification, in order. A returned promise is awaited by `startAlerting().flush()`. */
  readonly sink: NotificationSink;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Read once when the engine starts; each evaluation step's changes are saved at its end. @default in memory */
  readonly store?: AlertStateStore;
  /** Trace link template when the rules do not set `links.trace` (e.g. FLOWTEL_TRACE_URL). */
  readonly traceUrlTemplate?: string;
  /** Notification ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Errors of the sink or of a timer: the engine keeps going. @default print to stderr */
  readonly onError?: (error: unknown) => void;
  /**
   * Things a user should know that are not errors, e.g. a flow-late rule that waits for a schedule its
   * flow never declared. Each is said once. @default print to stderr
   */
  readonly onWarning?: (message: string) => void;
  /**
   * Flow runs in flight the engine remembers (parameters for `groupBy`, start times for durations). A run
   * whose process died never sends its final transition; past this many, the run heard from longest ago
   * is forgotten, so a long-lived process does not grow without bound. A forgotten run that does go on
   * is still evaluated, without the parameters and start time only its first transitions carried.
   * @default 10_000
   */
  readonly maxRunsInFlight?: number;
}

/** @see RulesEngineOptions.maxRunsInFlight */
export const DEFAULT_MAX_RUNS_IN_FLIGHT = 10_000;

export interface RulesEngine {
  /** Evaluates one transition record; notifications due now are sent before it returns. */
  process(record: TransitionRecord): void;
  /**
   * Watches the schedules a flow declares (one or several, each its own alert identity, labelled with
   * its name or description) for the flow-late rules that do not carry one; a later call for the same
   * flow replaces them. Throws OptionsError for a schedule that cannot work.
   */
  registerSchedule(
    flow: string,
    schedule: Schedule | readonly Schedule[],
    options?: RegisterScheduleOptions,
  ): void;
  addSilence(silence: SilenceInput): ActiveSilence;
  removeSilence(id: string): boolean;
  silences(): ActiveSilence[];
  /** Sends pending grouped notifications now, without waiting for groupWait/groupInterval. */
  flush(): void;
  /** Current alert states (firing, or resolved and not yet notified). */
  alerts(): AlertState[];
  /**
   * Marks the firing alert with this fingerprint acknowledged at `at` (epoch ms): no repeats while it stays
   * firing; its resolution is still sent, and the mark goes with it. Stored with the alert's state, so it
   * outlives a restart. Acknowledging again keeps the first time. Undefined when no such alert fires.
   */
  acknowledge(fingerprint: string, at: number): AlertState | undefined;
  /** How much work transitions cost (the rule index is tested with it) and what the engine remembers. */
  stats(): EngineStats;
  /** Cancels every timer; the engine ignores later input. Alert states stay in the store. */
  close(): void;
}

export interface RegisterScheduleOptions {
  /**
   * When a run of the flow last started (epoch ms), as a run history remembers it across a restart: the
   * slots after it are judged, so those missed while nothing watched fire at once, saying how many.
   * @default slots from now on only
   */
  readonly lastStartedAt?: number;
}

export interface EngineStats {
  readonly transitions: number;
  readonly matcherCalls: number;
  /** Timers waiting (cancelled ones excluded). */
  readonly timers: number;
  /** Flow runs in flight remembered (bounded by `maxRunsInFlight`). */
  readonly runsInFlight: number;
  /** flow-failures windows that still hold failures. */
  readonly failureWindows: number;
}

const TASK_END: readonly ConditionType[] = ['task-retrying', 'task-failed'];
const TASK_RETRY: readonly ConditionType[] = ['task-retrying'];
const FLOW_END: readonly ConditionType[] = [
  'flow-failed',
  'flow-duration-above',
  'flow-failures',
  'flow-running-longer-than',
];
const FLOW_RUNNING: readonly ConditionType[] = ['flow-running-longer-than'];
const NONE: readonly ConditionType[] = [];

/** Which condition types a transition may concern: the index is asked only about these. */
function conditionsFor(record: TransitionRecord): readonly ConditionType[] {
  if (record.task !== undefined) {
    if (isEnd(record)) return TASK_END;
    return record.state.type === 'RUNNING' && record.attempt > 1 ? TASK_RETRY : NONE;
  }
  if (isEnd(record)) return FLOW_END;
  return record.state.type === 'RUNNING' ? FLOW_RUNNING : NONE;
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/**
 * The rules engine: transition records and the clock in, notifications out. Everything it does follows
 * from those two inputs (and the ids it is given), so a test that replays the same records on a
 * `ManualClock` gets the same notifications.
 */
export function createRulesEngine(options: RulesEngineOptions): RulesEngine {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? new InMemoryAlertStateStore();
  const onError = options.onError ?? ((error: unknown) => console.error('flowtel alerting:', error));
  const onWarning = options.onWarning ?? ((message: string) => console.warn(`flowtel alerting: ${message}`));
  const maxRuns = options.maxRunsInFlight ?? DEFAULT_MAX_RUNS_IN_FLIGHT;
  const rules = options.rules.rules.filter((r) => r.enabled);
  const book = new AlertBook(store.load(), options.rules.rules);
  /** The end of an evaluation step: its changes go to the store in one piece. */
  const save = () => {
    lateness.settle(); // flow-late's missed slots counted up to now: what the store keeps is current
    const changes = book.takeChanges();
    if (changes === undefined) return;
    try {
      store.save(changes);
    } catch (error) {
      onError(error);
    }
  };
  const timers = new TimerQueue(clock, onError, save);
  const index = new RuleIndex(options.rules.rules);
  const silences = new Silences();
  const runs = new Map<string, RunInfo>();
  let lastTracked: string | undefined;
  let transitions = 0;
  let closed = false;

  const groups = new NotificationGroups({
    clock,
    timers,
    book,
    silences,
    newId: options.newId ?? randomUUID,
    traceUrlTemplate: options.rules.links.trace ?? options.traceUrlTemplate,
    settle: () => lateness.settle(),
    emit: (notification) => {
      try {
        const result = options.sink(notification);
        if (result instanceof Promise) result.catch(onError);
      } catch (error) {
        onError(error);
      }
    },
  });

  const runOf = (record: TransitionRecord) =>
    record.flowRunId === undefined ? undefined : runs.get(record.flowRunId);

  const ctx: ConditionContext = {
    now: () => clock.now(),
    timers,
    identity: (rule, record, keys): Identity =>
      rule.groupBy.length === 0
        ? identityOf(rule, keys)
        : identityOf(rule, keys, groupByValues(rule, record, record.params ?? runOf(record)?.params)),
    fire: (rule, identity, event) => fire(rule, identity, event),
    resolve: (rule, identity, event) => {
      const existing = book.find(identity);
      if (existing) resolve(rule, existing, event);
    },
    resolveOutcome: (rule, identity, event) => {
      for (const state of outcomeTargets(rule, identity)) resolve(rule, state, event);
    },
    anyFiring: (rule, flow, task) => book.firing(rule.name, flow, task),
    isFiring: (identity) => book.find(identity)?.status === 'firing',
    state: (identity) => book.find(identity),
    identityOf: (state) => book.identityOf(state),
    warn: onWarning,
    facts: (record) => {
      const run = runOf(record);
      return factsOf(record, { startedAt: run?.startedAt, params: run?.params });
    },
    run: runOf,
  };
  const lateness = new Lateness(ctx, index.rulesOf('flow-late'));

  function fire(rule: Rule, identity: Identity, event: AlertEvent): void {
    const existing = book.find(identity);
    const facts = event.facts ?? existing?.facts ?? {};
    if (existing?.status === 'firing') {
      // Still the same episode: newer facts for repeats, no new notification.
      const memory = event.memory ?? existing.memory;
      book.put({ ...existing, summary: event.summary, facts, ...(memory === undefined ? {} : { memory }) });
      return;
    }
    const state: AlertState = {
      fingerprint: identity.fingerprint,
      rule: rule.name,
      severity: rule.severity,
      // The identity's labels are its own object: shared, not copied, when the rule adds none.
      labels: hasKeys(rule.labels) ? { ...rule.labels, ...identity.labels } : identity.labels,
      annotations: rule.annotations,
      // A resolution not yet sent is taken back: the same episode goes on (flapping is not news).
      startsAt: existing?.startsAt ?? new Date(event.at).toISOString(),
      notified: existing?.notified ?? false,
      status: 'firing',
      summary: event.summary,
      facts,
    };
    book.put(event.memory === undefined ? state : { memory: event.memory, ...state }, identity);
    groups.changed(rule);
  }

  function resolve(rule: Rule, existing: AlertState, event: AlertEvent): void {
    if (existing.status !== 'firing') return;
    // An acknowledgement holds for one firing: if the alert fires again, it is news again.
    const { acknowledgedAt: _acknowledgedAt, ...unacknowledged } = existing;
    book.put({
      ...unacknowledged,
      status: 'resolved',
      endsAt: new Date(event.at).toISOString(),
      summary: event.summary,
      facts: event.facts ?? existing.facts,
    });
    groups.changed(rule);
  }

  /**
   * The alerts a run's outcome resolves (its next Completed run, its end). A run that ends well carries no
   * error, so with `groupBy: [error.type]` it resolves the alerts of every error type, not only of ''.
   */
  function outcomeTargets(rule: Rule, identity: Identity): AlertState[] {
    if (!rule.groupBy.includes('error.type')) {
      const state = book.find(identity);
      return state ? [state] : [];
    }
    const keys = Object.entries(identity.labels).filter(([key]) => key !== 'error.type');
    return book.list(rule.name).filter((s) => keys.every(([key, value]) => s.labels[key] === value));
  }

  const runningLonger = new RunningLongerThan();
  const failures = new FailuresWindow();

  const handlers: Record<
    Exclude<ConditionType, 'flow-late'>,
    (rule: Rule, record: TransitionRecord) => void
  > = {
    'flow-failed': (rule, record) => flowFailed(rule, record, ctx),
    'task-failed': (rule, record) => taskFailed(rule, record, ctx),
    'task-retrying': (rule, record) => taskRetrying(rule, record, ctx),
    'flow-duration-above': (rule, record) => flowDurationAbove(rule, record, ctx),
    'flow-running-longer-than': (rule, record) => runningLonger.onRecord(rule, record, ctx),
    'flow-failures': (rule, record) => failures.onRecord(rule, record, ctx),
  };

  function track(record: TransitionRecord): void {
    if (record.flowRunId === undefined) return;
    // A task of the run heard from last: the run is already where it belongs, last.
    if (record.task !== undefined && record.flowRunId === lastTracked) return;
    let run = runs.get(record.flowRunId);
    // Most recently heard from last (a Map keeps insertion order), so the first is the one to forget.
    if (run) runs.delete(record.flowRunId);
    else if (record.task !== undefined) return;
    else run = { startedAt: undefined, params: undefined };
    runs.set(record.flowRunId, run);
    lastTracked = record.flowRunId;
    if (runs.size > maxRuns) runs.delete(runs.keys().next().value as string);
    if (record.task !== undefined) return;
    if (record.params !== undefined) run.params = record.params;
    if (record.startedAt !== undefined) run.startedAt = Date.parse(record.startedAt);
    else if (record.state.type === 'RUNNING' && run.startedAt === undefined)
      run.startedAt = Date.parse(record.at);
  }

  function evaluate(record: TransitionRecord): void {
    transitions++;
    track(record);
    const isFlowStart = record.task === undefined && record.state.type === 'RUNNING';
    if (isFlowStart) lateness.onRunStarted(record);
    for (const type of conditionsFor(record)) {
      for (const rule of index.candidates(type, record))
        handlers[type as Exclude<ConditionType, 'flow-late'>](rule, record);
    }
    // The run's memory is needed by its own last transition only.
    if (record.task === undefined && isEnd(record) && record.flowRunId !== undefined) {
      runs.delete(record.flowRunId);
      lastTracked = undefined;
    }
  }

  /** A silence ended: the alerts it held back that still fire are sent (one pass over the states). */
  function heldBack(): void {
    const names = new Set(book.list().flatMap((a) => (a.notified ? [] : [a.rule])));
    for (const rule of rules) if (names.has(rule.name)) groups.changed(rule);
  }

  function acknowledge(fingerprint: string, at: number): void {
    const state = book.get(fingerprint);
    if (state?.status !== 'firing' || state.acknowledgedAt !== undefined) return;
    book.put({ ...state, acknowledgedAt: new Date(at).toISOString() });
    const rule = rules.find((r) => r.name === state.rule);
    if (rule !== undefined) groups.acknowledged(rule);
  }

  const engine: RulesEngine = {
    process(record) {
      if (closed) return;
      timers.runDue(() => evaluate(record)); // then the timers it made due, and the step's changes are saved
    },
    registerSchedule(flow, schedule, { lastStartedAt } = {}) {
      const schedules: readonly Schedule[] = Array.isArray(schedule) ? schedule : [schedule as Schedule];
      timers.runDue(() => lateness.registerSchedules(flow, schedules, lastStartedAt));
    },
    addSilence(input) {
      const silence: Silence = SilenceSchema.parse(input);
      const active = silences.add(silence);
      // When it ends, alerts it held back that still fire are sent.
      timers.schedule(silence.endsAt, heldBack);
      return active;
    },
    removeSilence(id) {
      const removed = silences.remove(id);
      timers.runDue(() => removed && heldBack());
      return removed;
    },
    silences: () => silences.all(),
    flush() {
      timers.runDue(); // what is due first, so its changes are flushed too
      timers.runDue(() => groups.flushAll(rules));
    },
    alerts: () => {
      lateness.settle();
      return book.list();
    },
    acknowledge(fingerprint, at) {
      if (closed) return undefined;
      timers.runDue(() => acknowledge(fingerprint, at));
      const state = book.get(fingerprint);
      return state?.status === 'firing' ? state : undefined;
    },
    stats: () => ({
      transitions,
      matcherCalls: index.matcherCalls,
      timers: timers.size(),
      runsInFlight: runs.size,
      failureWindows: failures.size(),
    }),
    close() {
      closed = true;
      lateness.close();
      timers.close();
    },
  };
  for (const silence of options.rules.silences) engine.addSilence(silence);
  // Alert states a previous engine left (a restart): resume their windows, repeats and pending messages.
  failures.resume(index.rulesOf('flow-failures'), book, ctx);
  groups.resume(rules);
  timers.runDue();
  return engine;
}
