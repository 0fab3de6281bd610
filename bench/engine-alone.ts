/**
 * The rules engine alone (issue 9, case 3): 1,000 rules, a few dozen of them task-level rules for the
 * measured flow, the rest for other flows, over the SQLite store on a temporary FLOWTEL_HOME; fed the
 * transitions of a 30,000-task flow. "Non-matching": every task run Pending, Running, Completed on its
 * first attempt, which no rule acts on. "Mixed": the same, with task runs that retry (firing and
 * resolving a task-retrying alert) and task runs that fail (firing a task-failed alert that the next
 * Completed run of the task resolves). Store commits and the final flush are inside the measured time;
 * building the records is not (the runtime's records are made before the engine sees them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createRulesEngine } from '../src/rules/engine.ts';
import { rulesFromFile } from '../src/rules/resolve.ts';
import { type RuleInput, RulesFileSchema } from '../src/rules/schema.ts';
import { type StateName, StateNames } from '../src/runtime/state.ts';
import type { TransitionRecord } from '../src/runtime/transition.ts';
import { type FlowtelStore, openStore } from '../src/store/index.ts';

const FLOW = 'acc-engine';
const TASKS = ['square', 'cube', 'load', 'parse', 'score', 'write'] as const;
const RULES = 1_000;
/** Transitions processed between turns of the event loop, where the store commits behind. */
const CHUNK = 10_000;
const ROUNDS = 9;

export interface EngineAloneResult {
  readonly nonMatchingPerSec: number;
  readonly mixedPerSec: number;
  readonly rules: number;
}

/** `transitions`: how many of each kind to measure. @default 90,000 (a 30,000-task flow) */
export async function engineAlone(options: { transitions?: number } = {}): Promise<EngineAloneResult> {
  const transitions = options.transitions ?? 90_000;
  const home = mkdtempSync(join(tmpdir(), 'flowtel-bench-engine-'));
  const store = await openStore({ home, log: (line) => process.stderr.write(`${line}\n`) });
  try {
    const rules = benchRules();
    const quiet = nonMatching(transitions);
    const nonMatchingPerSec = await best(() => measure(rules, store, quiet));
    const busy = mixed(transitions);
    const mixedPerSec = await best(() => measure(rules, store, busy));
    return { nonMatchingPerSec, mixedPerSec, rules: RULES };
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

function benchRules() {
  const rules: RuleInput[] = [];
  for (const task of TASKS) {
    for (const minAttempt of [2, 3, 4]) {
      rules.push({
        name: `${task}-retry-${minAttempt}`,
        when: { type: 'task-retrying', flow: FLOW, task, minAttempt },
      });
    }
    rules.push({ name: `${task}-failed`, when: { type: 'task-failed', flow: FLOW, task } });
    rules.push({
      name: `${task}-failed-glob`,
      when: { type: 'task-failed', flow: 'acc-*', task: `${task}*` },
    });
  }
  rules.push({ name: 'acc-failed', when: { type: 'flow-failed', flow: FLOW } });
  for (let i = rules.length; i < RULES; i++) {
    const flow = `other-${i}`;
    const kind = i % 3;
    rules.push(
      kind === 0
        ? { name: `other-${i}-failed`, when: { type: 'flow-failed', flow } }
        : kind === 1
          ? { name: `other-${i}-retry`, when: { type: 'task-retrying', flow, task: 'square', minAttempt: 2 } }
          : { name: `other-${i}-task-failed`, when: { type: 'task-failed', flow } },
    );
  }
  const { rules: loaded, problems } = rulesFromFile(
    RulesFileSchema.parse({
      channels: { hook: { type: 'webhook', url: { env: 'FLOWTEL_BENCH_WEBHOOK_URL' } } },
      defaults: { notify: ['hook'] },
      rules,
    }),
  );
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  return loaded;
}

/**
 * The best of a few rounds, each on an engine of its own: the first ones warm the JIT up, and on a busy
 * machine (other processes on the same cores) the best round is the one least disturbed.
 */
async function best(round: () => Promise<number>): Promise<number> {
  let rate = 0;
  for (let i = 0; i < ROUNDS; i++) rate = Math.max(rate, await round());
  return rate;
}

/** Transitions per second through one engine over `store`, commits and the final flush included. */
async function measure(
  rules: ReturnType<typeof benchRules>,
  store: FlowtelStore,
  records: readonly TransitionRecord[],
): Promise<number> {
  const engine = createRulesEngine({
    rules,
    store: store.alertState,
    sink: (notification) => store.outbox.enqueue(notification, notification.channels, Date.now()),
  });
  const started = performance.now();
  for (let i = 0; i < records.length; i += CHUNK) {
    const end = Math.min(i + CHUNK, records.length);
    for (let j = i; j < end; j++) engine.process(records[j] as TransitionRecord);
    await nextTurn();
  }
  engine.flush();
  if (!(await store.flush(10_000))) throw new Error('the bench store could not commit');
  const seconds = (performance.now() - started) / 1000;
  engine.close();
  return Math.round(records.length / seconds);
}

/** A flow run of first-attempt task runs: Pending, Running, Completed each. */
function nonMatching(transitions: number): TransitionRecord[] {
  const records = new RecordMaker();
  for (let n = 0; records.length < transitions; n++) {
    for (const state of ['Pending', 'Running', 'Completed'] as const) records.task(n, state, 1);
  }
  return records.list.slice(0, transitions);
}

/** Every 20th task run retries once (alert fires, resolves); every 100th fails (fires; the next resolves). */
function mixed(transitions: number): TransitionRecord[] {
  const records = new RecordMaker();
  for (let n = 0; records.length < transitions; n++) {
    records.task(n, 'Pending', 1);
    records.task(n, 'Running', 1);
    if (n % 100 === 99) {
      records.task(n, 'Failed', 1);
    } else if (n % 20 === 19) {
      records.task(n, 'AwaitingRetry', 1);
      records.task(n, 'Retrying', 2);
      records.task(n, 'Completed', 2);
    } else {
      records.task(n, 'Completed', 1);
    }
  }
  return records.list.slice(0, transitions);
}

class RecordMaker {
  readonly list: TransitionRecord[] = [];
  readonly #start = Date.now();

  get length(): number {
    return this.list.length;
  }

  task(n: number, state: StateName, attempt: number): void {
    const seq = this.list.length;
    this.list.push({
      v: 1,
      seq,
      at: new Date(this.#start + seq).toISOString(),
      flow: FLOW,
      flowRunId: 'acc-run',
      task: TASKS[n % TASKS.length] as string,
      taskRunId: `task-run-${n}`,
      attempt,
      state: { type: StateNames[state], name: state },
      ...(state === 'Failed' ? { error: { type: 'Error', message: `task ${n} failed` } } : {}),
      tags: [],
      scheduledAt: null,
    });
  }
}
