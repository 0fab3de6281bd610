import type { AlertMemory, AlertState } from '../../alerts/state.ts';
import type { AlertFacts } from '../../alerts/types.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { TimerQueue } from '../../schedule/timer-queue.ts';
import type { Identity } from '../identity.ts';
import type { Rule } from '../resolve.ts';

/** What the engine knows about a flow run in flight, from its flow-run transitions. */
export interface RunInfo {
  startedAt: number | undefined;
  params: Readonly<Record<string, unknown>> | undefined;
}

export interface AlertEvent {
  /** When the condition became true (fire) or false (resolve), epoch ms. */
  readonly at: number;
  readonly summary: string;
  /** Facts of the run behind the change; a resolution without a run (a window expiring) keeps the old ones. */
  readonly facts?: AlertFacts;
  /** What the condition needs to resolve the alert after a restart (kept with the alert's state). */
  readonly memory?: AlertMemory;
}

/** The engine as the conditions see it: alert state changes, timers, and what it knows of runs. */
export interface ConditionContext {
  now(): number;
  readonly timers: TimerQueue;
  /**
   * The identity of an alert of `rule` about `record`, given the condition's keys: an object of the
   * caller's own, which may become the identity's labels as it is (not copied).
   */
  identity(rule: Rule, record: TransitionRecord, keys: Record<string, string>): Identity;
  fire(rule: Rule, identity: Identity, event: AlertEvent): void;
  /** Resolves the alert if it is firing; does nothing otherwise. */
  resolve(rule: Rule, identity: Identity, event: AlertEvent): void;
  /**
   * Resolves what a run's outcome resolves (a Completed run, a run's end): the alert of `identity`, or
   * with `groupBy: [error.type]` the alerts of every error type with the same other keys.
   */
  resolveOutcome(rule: Rule, identity: Identity, event: AlertEvent): void;
  /**
   * Whether `rule` has a firing alert for this flow (and task, for task conditions): when not, a resolve
   * has nothing to do, so the condition need not build an identity (one map lookup).
   */
  anyFiring(rule: Rule, flow: string, task?: string): boolean;
  isFiring(identity: Identity): boolean;
  /** The stored state of an alert, e.g. one a previous engine left firing. */
  state(identity: Identity): AlertState | undefined;
  /** The identity of a stored state (to resume what a previous engine left). */
  identityOf(state: AlertState): Identity;
  /** Tells the user something that is not an error (each message once is the caller's business). */
  warn(message: string): void;
  /** Facts of a record, completed with what the engine remembers of its run (start, parameters). */
  facts(record: TransitionRecord): AlertFacts;
  run(record: TransitionRecord): RunInfo | undefined;
}

/** `etl` for a flow run, `etl/transform` for a task run: how summaries name what happened. */
export function subject(record: TransitionRecord): string {
  const flow = record.flow ?? '(no flow)';
  return record.task === undefined ? flow : `${flow}/${record.task}`;
}

export function errorText(record: TransitionRecord): string {
  if (record.error) return `: ${record.error.type}: ${record.error.message}`;
  return record.message ? `: ${record.message}` : '';
}

export function flowKeys(record: TransitionRecord): Record<string, string> {
  return { flow: record.flow ?? '' };
}

export function taskKeys(record: TransitionRecord): Record<string, string> {
  return { flow: record.flow ?? '', task: record.task ?? '' };
}
