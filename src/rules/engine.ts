import { randomUUID } from 'node:crypto';
import type { Notification } from '../alerts/types.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import { type Clock, systemClock } from './clock.ts';
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
import type { ScheduleSpec } from './schedule.ts';
import type { Silence, SilenceInput } from './schema.ts';
import { SilenceSchema } from './schema.ts';
import { type ActiveSilence, Silences } from './silences.ts';
import { type AlertState, type AlertStateStore, InMemoryAlertStateStore } from './state-store.ts';
import { TimerQueue } from './timers.ts';

export type NotificationSink = (notification: Notification) => void | Promise<void>;

export interface RulesEngineOptions {
  readonly rules: LoadedRules;
  /** Receives every notification, in order. A returned promise is awaited by `startAlerting().flush()`. */
  readonly sink: NotificationSink;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default an in-memory store */
  readonly store?: AlertStateStore;
  /** Trace link template when the rules do not set `links.trace` (e.g. FLOWTEL_TRACE_URL). */
  readonly traceUrlTemplate?: string;
  /** Notification ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Errors of the sink or of a timer: the engine keeps going. @default print to stderr */
  readonly onError?: (error: unknown) => void;
}

export interface RulesEngine {
  /** Evaluates one transition record; notifications due now are sent before it returns. */
  process(record: TransitionRecord): void;
  /** Watches a flow's own schedule for the flow-late rules that do not carry one. */
  registerSchedule(flow: string, schedule: ScheduleSpec): void;
  addSilence(silence: SilenceInput): ActiveSilence;
  removeSilence(id: string): boolean;
  silences(): ActiveSilence[];
  /** Sends pending grouped notifications now, without waiting for groupWait/groupInterval. */
  flush(): void;
  /** Current alert states (firing, or resolved and not yet notified). */
  alerts(): AlertState[];
  /** Counters that show how much work transitions cost (the rule index is tested with them). */
  stats(): { transitions: number; matcherCalls: number; timers: number };
  /** Cancels every timer; the engine ignores later input. */
  close(): void;
}

/** Which condition types a transition may concern: the index is asked only about these. */
function conditionsFor(record: TransitionRecord): ConditionType[] {
  if (record.task !== undefined) {
    if (isEnd(record)) return ['task-retrying', 'task-failed'];
    return record.state.type === 'RUNNING' && record.attempt > 1 ? ['task-retrying'] : [];
  }
  if (isEnd(record))
    return ['flow-failed', 'flow-duration-above', 'flow-failures', 'flow-running-longer-than'];
  return record.state.type === 'RUNNING' ? ['flow-running-longer-than'] : [];
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
  const timers = new TimerQueue(clock, onError);
  const index = new RuleIndex(options.rules.rules);
  const rules = options.rules.rules.filter((r) => r.enabled);
  const silences = new Silences();
  const runs = new Map<string, RunInfo>();
  let transitions = 0;
  let closed = false;

  const groups = new NotificationGroups({
    clock,
    timers,
    store,
    silences,
    newId: options.newId ?? randomUUID,
    traceUrlTemplate: options.rules.links.trace ?? options.traceUrlTemplate,
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
      identityOf(rule, keys, groupByValues(rule, record, record.params ?? runOf(record)?.params)),
    fire: (rule, identity, event) => fire(rule, identity, event),
    resolve: (rule, identity, event) => resolve(rule, identity, event),
    isFiring: (identity) => store.get(identity.fingerprint)?.status === 'firing',
    facts: (record) => {
      const run = runOf(record);
      return factsOf(record, { startedAt: run?.startedAt, params: run?.params });
    },
    run: runOf,
  };

  function fire(rule: Rule, identity: Identity, event: AlertEvent): void {
    const existing = store.get(identity.fingerprint);
    const facts = event.facts ?? existing?.facts ?? {};
    if (existing?.status === 'firing') {
      // Still the same episode: newer facts for repeats, no new notification.
      store.put({ ...existing, summary: event.summary, facts });
      return;
    }
    const { endsAt: _ended, ...previous } = existing ?? ({} as Partial<AlertState>);
    store.put({
      fingerprint: identity.fingerprint,
      rule: rule.name,
      severity: rule.severity,
      labels: { ...rule.labels, ...identity.labels },
      annotations: rule.annotations,
      // A resolution not yet sent is taken back: the same episode goes on (flapping is not news).
      startsAt: previous.startsAt ?? new Date(event.at).toISOString(),
      notified: previous.notified ?? false,
      status: 'firing',
      summary: event.summary,
      facts,
    });
    groups.changed(rule);
  }

  function resolve(rule: Rule, identity: Identity, event: AlertEvent): void {
    const existing = store.get(identity.fingerprint);
    if (existing?.status !== 'firing') return;
    store.put({
      ...existing,
      status: 'resolved',
      endsAt: new Date(event.at).toISOString(),
      summary: event.summary,
      facts: event.facts ?? existing.facts,
    });
    groups.changed(rule);
  }

  const runningLonger = new RunningLongerThan();
  const failures = new FailuresWindow();
  const lateness = new Lateness(ctx);
  lateness.watchRuleSchedules(index.rulesOf('flow-late'));

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
    if (record.task !== undefined || record.flowRunId === undefined) return;
    let run = runs.get(record.flowRunId);
    if (!run) {
      run = { startedAt: undefined, params: undefined };
      runs.set(record.flowRunId, run);
    }
    if (record.params !== undefined) run.params = record.params;
    if (record.startedAt !== undefined) run.startedAt = Date.parse(record.startedAt);
    else if (record.state.type === 'RUNNING' && run.startedAt === undefined)
      run.startedAt = Date.parse(record.at);
  }

  const engine: RulesEngine = {
    process(record) {
      if (closed) return;
      transitions++;
      track(record);
      const isFlowStart = record.task === undefined && record.state.type === 'RUNNING';
      if (isFlowStart) lateness.onRunStarted(record);
      for (const type of conditionsFor(record)) {
        for (const rule of index.candidates(type, record))
          handlers[type as Exclude<ConditionType, 'flow-late'>](rule, record);
      }
      // The run's memory is needed by its own last transition only.
      if (record.task === undefined && isEnd(record) && record.flowRunId !== undefined)
        runs.delete(record.flowRunId);
      timers.runDue();
    },
    registerSchedule(flow, schedule) {
      lateness.registerSchedule(index.rulesOf('flow-late'), flow, schedule);
      timers.runDue();
    },
    addSilence(input) {
      const silence: Silence = SilenceSchema.parse(input);
      const active = silences.add(silence);
      // When it ends, alerts it held back that still fire are sent.
      timers.schedule(silence.endsAt, () => {
        for (const rule of rules) if (store.list(rule.name).some((a) => !a.notified)) groups.changed(rule);
      });
      return active;
    },
    removeSilence(id) {
      const removed = silences.remove(id);
      if (removed)
        for (const rule of rules) if (store.list(rule.name).some((a) => !a.notified)) groups.changed(rule);
      timers.runDue();
      return removed;
    },
    silences: () => silences.all(),
    flush() {
      timers.runDue();
      groups.flushAll(rules);
    },
    alerts: () => store.list(),
    stats: () => ({ transitions, matcherCalls: index.matcherCalls, timers: timers.size() }),
    close() {
      closed = true;
      lateness.close();
      timers.close();
    },
  };
  for (const silence of options.rules.silences) engine.addSilence(silence);
  return engine;
}
