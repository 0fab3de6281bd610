/** Building a transition record from what ingest read, in the field order of a `--record` line. */
import type { TransitionRecord } from '../../runtime/transition.ts';
import { RECORD_FIELDS } from '../../runtime/transition-record.ts';

/** The fields of a record, with its time as epoch ms (`v` and `at` are made from them). */
export type RecordParts = Omit<TransitionRecord, 'v' | 'at'> & { readonly atMs: number };

const FIELDS = Object.keys(RECORD_FIELDS) as readonly (keyof TransitionRecord)[];

/** A plain record whose keys are in `--record` order, absent fields left out. */
export function transitionRecord(parts: RecordParts): TransitionRecord {
  const record: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const value = field === 'v' ? 1 : field === 'at' ? new Date(parts.atMs).toISOString() : parts[field];
    if (value !== undefined) record[field] = value;
  }
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
