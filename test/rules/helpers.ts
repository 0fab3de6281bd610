import type { AlertStateStore } from '../../src/alerts/state.ts';
import type { Notification } from '../../src/alerts/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { createRulesEngine, type RulesEngine } from '../../src/rules/engine.ts';
import { rulesFromFile } from '../../src/rules/resolve.ts';
import { type RulesFileInput, RulesFileSchema } from '../../src/rules/schema.ts';
import { type StateName, StateNames } from '../../src/runtime/state.ts';
import type { TransitionRecord } from '../../src/runtime/transition.ts';

/** Transition records as the runtime emits them, with only what a test cares about spelled out. */
export function flowRun(
  flow: string,
  flowRunId: string,
  state: StateName,
  at: string,
  extra: Partial<Omit<TransitionRecord, 'flow' | 'flowRunId' | 'state' | 'at'>> = {},
): TransitionRecord {
  return {
    v: 1,
    seq: 0,
    at,
    flow,
    flowRunId,
    attempt: 1,
    state: { type: StateNames[state], name: state },
    tags: [],
    scheduledAt: null,
    ...extra,
  };
}

export function taskRun(
  flow: string,
  task: string,
  taskRunId: string,
  state: StateName,
  at: string,
  extra: Partial<Omit<TransitionRecord, 'flow' | 'task' | 'taskRunId' | 'state' | 'at'>> = {},
): TransitionRecord {
  return {
    v: 1,
    seq: 0,
    at,
    flow,
    flowRunId: `${flow}-run`,
    task,
    taskRunId,
    attempt: 1,
    state: { type: StateNames[state], name: state },
    tags: [],
    scheduledAt: null,
    ...extra,
  };
}

export interface Harness {
  readonly engine: RulesEngine;
  readonly clock: ManualClock;
  readonly sent: Notification[];
  /** Advances the clock to the record's time, then processes it (as a live process would see it). */
  feed(...records: TransitionRecord[]): void;
  /** `kind rule labels…` per notification, the shortest readable account of what was sent. */
  log(): string[];
  /** What the engine warned about. */
  readonly warnings: string[];
}

export interface HarnessOptions {
  /** Alert states to start from, e.g. those a previous engine left (a restart). */
  readonly store?: AlertStateStore;
  readonly maxRunsInFlight?: number;
}

export function harness(
  rules: RulesFileInput,
  start = '2026-11-25T00:00:00Z',
  options: HarnessOptions = {},
): Harness {
  const parsed = RulesFileSchema.parse(rules);
  const { rules: loaded, problems } = rulesFromFile(parsed);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  const clock = new ManualClock(start);
  const sent: Notification[] = [];
  const warnings: string[] = [];
  let ids = 0;
  const engine = createRulesEngine({
    rules: loaded,
    sink: (n) => void sent.push(n),
    clock,
    newId: () => `n${++ids}`,
    onWarning: (message) => void warnings.push(message),
    ...options,
  });
  return {
    engine,
    clock,
    sent,
    warnings,
    feed(...records) {
      for (const record of records) {
        clock.advanceTo(record.at);
        engine.process(record);
      }
    },
    log: () => sent.map(describe),
  };
}

export function describe(n: Notification): string {
  const alerts = n.alerts.map((a) =>
    Object.entries(a.labels)
      .filter(([key]) => key !== 'schedule')
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
  );
  return `${n.createdAt.slice(11, 19)} ${n.kind} ${n.rule} ${alerts.join(' ')}`;
}
