/** A task transition read from a span, before its flow run is known (see `SpanRuns`). */
import type { TransitionRecord } from '../../runtime/transition.ts';
import { type RecordParts, transitionRecord } from './record.ts';
import type { RunFields } from './span-runs.ts';

/** The record's own fields; `flow` is the span's own `cicd.pipeline.name`, if it has one. */
export type TaskParts = Omit<RecordParts, keyof RunFields> & { readonly flow: string | undefined };

/** A task span waiting for its run: its transitions and where it sits in its trace. */
export interface WaitingTask {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly parts: readonly TaskParts[];
}

export function taskRecord(parts: TaskParts, run: RunFields): TransitionRecord {
  return transitionRecord({
    ...parts,
    flow: run.flow ?? parts.flow,
    flowRunId: run.flowRunId,
    tags: run.tags,
    scheduledAt: run.scheduledAt,
  });
}
