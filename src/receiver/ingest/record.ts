/** Building a transition record from what ingest read, in the field order of a `--record` line. */
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { RunFields } from './span-runs.ts';

/** The fields of a record, with its time as epoch ms (`v` and `at` are made from them). */
export type RecordParts = Omit<TransitionRecord, 'v' | 'at'> & { readonly atMs: number };

/** A task transition read from a span: the fields its flow run gives are added when it is placed. */
export type TaskParts = Omit<RecordParts, 'flowRunId' | 'tags' | 'scheduledAt'>;

/**
 * A plain record, its keys in `--record` order (`RECORD_FIELDS`; a test holds the two together),
 * absent fields left out. Written out field by field: this runs for every task span ingest reads.
 * With `run`, the flow run's fields come from it (a task span carries none but its flow's name).
 */
export function transitionRecord(parts: RecordParts): TransitionRecord;
export function transitionRecord(parts: TaskParts, run: RunFields): TransitionRecord;
export function transitionRecord(parts: RecordParts | TaskParts, run?: RunFields): TransitionRecord {
  const from = run ?? (parts as RecordParts);
  const record: Record<string, unknown> = { v: 1, seq: parts.seq, at: new Date(parts.atMs).toISOString() };
  const flow = run?.flow ?? parts.flow;
  if (flow !== undefined) record.flow = flow;
  if (from.flowRunId !== undefined) record.flowRunId = from.flowRunId;
  if (parts.task !== undefined) record.task = parts.task;
  if (parts.taskRunId !== undefined) record.taskRunId = parts.taskRunId;
  record.attempt = parts.attempt;
  record.state = parts.state;
  if (parts.message !== undefined) record.message = parts.message;
  if (parts.error !== undefined) record.error = parts.error;
  if (parts.traceId !== undefined) record.traceId = parts.traceId;
  if (parts.spanId !== undefined) record.spanId = parts.spanId;
  record.tags = from.tags;
  record.scheduledAt = from.scheduledAt;
  if (parts.params !== undefined) record.params = parts.params;
  if (parts.parentFlowRunId !== undefined) record.parentFlowRunId = parts.parentFlowRunId;
  if (parts.startedAt !== undefined) record.startedAt = parts.startedAt;
  return record as unknown as TransitionRecord;
}

/**
 * What identifies a transition heard twice: a flow run's `seq`, or a task run's state and attempt.
 * A flow-run record with `seq` 0 (a span event of a sender older than `flowtel.seq` on span events;
 * the runtime counts from 1) is known by its state and time instead.
 */
export function transitionKey(record: TransitionRecord): string {
  if (record.task !== undefined) {
    return `t\u0000${record.taskRunId ?? ''}\u0000${record.state.name}\u0000${record.attempt}`;
  }
  const run = `f\u0000${record.flowRunId ?? ''}`;
  return record.seq > 0 ? `${run}\u0000${record.seq}` : `${run}\u0000${record.state.name}\u0000${record.at}`;
}
