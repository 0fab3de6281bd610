import { createHash } from 'node:crypto';
import type { AlertFacts } from '../alerts/types.ts';
import type { TransitionRecord } from '../runtime/transition.ts';
import type { Rule } from './resolve.ts';

/**
 * An alert's identity: the rule, the condition's keys (flow, task, run, schedule, per DESIGN.md's table)
 * and the rule's `groupBy` values. Equal identities are the same alert; the fingerprint is its hash.
 */
export interface Identity {
  readonly fingerprint: string;
  /** Identity keys as labels: `flow`, `task`, `run`, `schedule` and the groupBy keys. */
  readonly labels: Readonly<Record<string, string>>;
}

export function identityOf(
  rule: Rule,
  keys: Record<string, string>,
  groupBy: Record<string, string>,
): Identity {
  const labels = { ...keys, ...groupBy };
  const canonical = JSON.stringify([rule.name, Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))]);
  const fingerprint = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return { fingerprint, labels };
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
