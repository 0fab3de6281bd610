import { hash } from 'node:crypto';
import type { AlertFacts } from '../alerts/types.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import type { Rule } from './resolve.ts';

/**
 * An alert's identity: the rule, the condition's keys (flow, task, run, schedule: the identity column of
 * the README's conditions table) and the rule's `groupBy` values. Equal keys are the same alert. The
 * fingerprint (stored, shown in messages) hashes the key; it is computed on first use, so looking an
 * alert up costs no hashing.
 */
export class Identity {
  #fingerprint: string | undefined;

  constructor(
    readonly rule: string,
    /** The rule name and the sorted labels in one string; undefined for a stored alert's unknown key. */
    readonly key: string | undefined,
    /** Identity keys as labels: `flow`, `task`, `run`, `schedule` and the groupBy keys. */
    readonly labels: Readonly<Record<string, string>>,
    fingerprint?: string,
  ) {
    this.#fingerprint = fingerprint;
  }

  get fingerprint(): string {
    // A stored identity comes with its fingerprint; only a new one (which has its key) is hashed.
    this.#fingerprint ??= fingerprintOf(this.key ?? '');
    return this.#fingerprint;
  }
}

/** `keys` become the identity's labels (not copied): pass an object of its own. */
export function identityOf(
  rule: Rule,
  keys: Record<string, string>,
  groupBy?: Record<string, string>,
): Identity {
  const labels = groupBy === undefined ? keys : { ...keys, ...groupBy };
  return new Identity(rule.name, identityKey(rule.name, labels), labels);
}

/**
 * The identity a stored alert fired with, so the engine finds it again by key after a restart. Its labels
 * are the identity's plus the rule's own (the identity's win), so the rule's labels are taken out again,
 * and the fingerprint proves which way is right (a rule label may share a name with an identity key). A
 * state whose rule changed its labels since gets no key (undefined): it is found by fingerprint.
 */
export function storedIdentityKey(
  ruleLabels: Readonly<Record<string, string>>,
  state: { readonly rule: string; readonly fingerprint: string; labels: Readonly<Record<string, string>> },
): string | undefined {
  const shared = Object.keys(state.labels).filter((name) => ruleLabels[name] === state.labels[name]);
  if (shared.length > MAX_SHARED_LABELS) return undefined;
  // Most likely first: every label the rule also has is the rule's (mask of all ones drops them all).
  for (let mask = 2 ** shared.length - 1; mask >= 0; mask--) {
    const dropped = new Set(shared.filter((_, i) => (mask >> i) & 1));
    const labels = Object.fromEntries(Object.entries(state.labels).filter(([name]) => !dropped.has(name)));
    const key = identityKey(state.rule, labels);
    if (fingerprintOf(key) === state.fingerprint) return key;
  }
  return undefined;
}

/** Past this many labels shared with the rule, trying which are the identity's costs too much. */
const MAX_SHARED_LABELS = 6;

/**
 * `JSON.stringify([rule, [[name, value], ...]])` with the labels sorted by name: the fingerprint hashes
 * exactly this text, so stored alerts keep theirs. Built by hand, as it is made for every alert looked up.
 */
function identityKey(rule: string, labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  let key = `[${JSON.stringify(rule)},[`;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    key += `${i === 0 ? '' : ','}[${JSON.stringify(name)},${JSON.stringify(labels[name])}]`;
  }
  return `${key}]]`;
}

function fingerprintOf(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 16); // one call, no Hash object: half the cost of createHash
}

/** The values of a rule's groupBy keys for a record; `params` are the run's (task records carry none). */
export function groupByValues(
  rule: Rule,
  record: TransitionRecord,
  params: Readonly<Record<string, unknown>> | undefined,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of rule.groupBy) {
    if (key.startsWith('param.')) values[key] = labelValue(params?.[key.slice('param.'.length)]);
    else if (key === 'error.type') values[key] = record.error?.type ?? '';
  }
  return values;
}

function labelValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What a message shows about the run behind an alert, taken from one transition record. */
export function factsOf(
  record: TransitionRecord,
  extra: { startedAt?: number | undefined; params?: Readonly<Record<string, unknown>> | undefined } = {},
): AlertFacts {
  const facts: { -readonly [K in keyof AlertFacts]: AlertFacts[K] } = {
    attempt: record.attempt,
    state: { type: record.state.type, name: record.state.name },
    tags: record.tags,
  };
  if (record.flow !== undefined) facts.flow = record.flow;
  if (record.flowRunId !== undefined) facts.flowRunId = record.flowRunId;
  if (record.task !== undefined) facts.task = record.task;
  if (record.taskRunId !== undefined) facts.taskRunId = record.taskRunId;
  if (record.error !== undefined) facts.error = record.error;
  if (record.traceId !== undefined) facts.traceId = record.traceId;
  if (record.scheduledAt) facts.scheduledAt = record.scheduledAt;
  const params = record.params ?? extra.params;
  if (params !== undefined) facts.params = params;
  const started = record.startedAt !== undefined ? Date.parse(record.startedAt) : extra.startedAt;
  if (started !== undefined && !Number.isNaN(started)) {
    facts.startedAt = new Date(started).toISOString();
    facts.durationMs = Date.parse(record.at) - started;
  }
  return facts;
}
