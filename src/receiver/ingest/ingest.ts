/**
 * OTLP ingest: decoded spans and log records in, transition records and heartbeats out, each
 * transition once. flowtel's log records and spans carry the same transitions (a log record the
 * moment it happens, a span event when the span ends); whichever arrives first is delivered and the
 * other dropped by its key (`transitionKey`), as is a batch the sender sent again.
 */

import { RecentMap } from '../../recent-map.ts';
import { isFinal } from '../../runtime/state.ts';
import type { TransitionRecord } from '../../runtime/transition.ts';
import { SCOPE_NAME } from '../../telemetry/keys.ts';
import type { DecodedLogRecord, DecodedMetric, DecodedSpan } from '../otlp/types.ts';
import { flowRunFields, flowSpanRecords, isFlowSpan, isTaskSpan, taskSpanParts } from './flowtel-spans.ts';
import {
  isPipelineSpan,
  isPipelineTaskSpan,
  pipelineRecords,
  pipelineRunFields,
  pipelineTaskParts,
} from './foreign-spans.ts';
import { fromLogRecord } from './from-logs.ts';
import { checkLogRecord, checkSpan, resolveLimits } from './limits.ts';
import { IngestProblem } from './problem.ts';
import { type TaskParts, transitionKey, transitionRecord } from './record.ts';
import { type RunFields, SpanRuns } from './span-runs.ts';
import type {
  Ingest,
  IngestOptions,
  IngestResult,
  IngestStats,
  ItemRejection,
  RejectedSignal,
} from './types.ts';

/** A task span waiting for its flow run to be known, with the transitions it carries. */
interface WaitingTask {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly parts: readonly TaskParts[];
}

export function createIngest(options: IngestOptions): Ingest {
  const limits = resolveLimits(options.limits);
  const recent = new RecentMap<string, true>(limits.recentKeys);
  const received = { spans: 0, logRecords: 0, metricPoints: 0 };
  const rejectedItems: Partial<Record<ItemRejection, number>> = {};
  const rejectedRequests: Record<string, number> = {};
  const rejectedBySignal: Partial<Record<RejectedSignal, Record<string, number>>> = {};
  const countBySignal = (signal: RejectedSignal, reason: string) => {
    const reasons = rejectedBySignal[signal] ?? {};
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    rejectedBySignal[signal] = reasons;
  };
  let duplicates = 0;
  let unattributed = 0;
  const runs = new SpanRuns<WaitingTask>(limits.knownSpans, limits.maxWaitingSpans, (given) => {
    unattributed += given.length;
  });
  /** Traces that learned something in the current request: their waiting task spans are tried again. */
  const touched = new Set<string>();

  function emit(record: TransitionRecord): void {
    const key = transitionKey(record);
    if (recent.has(key)) {
      duplicates++;
      return;
    }
    options.onTransition(record);
    // Remembered once delivered: a transition whose delivery threw is delivered again when resent.
    recent.set(key, true);
  }

  /** Places a task span in its run and delivers its transitions; false when its run is not known yet. */
  function place(task: WaitingTask): boolean {
    const run = runs.find(task.traceId, task.parentSpanId);
    if (!run) return false;
    // Not remembered as a run of its own: a task inside it finds the run through its parent link.
    for (const parts of task.parts) emit(transitionRecord(parts, run));
    return true;
  }

  function taskSpan(span: DecodedSpan, parts: readonly TaskParts[]): void {
    if (parts.length === 0) return;
    const task = { traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId, parts };
    if (!place(task)) runs.wait(span.traceId, task);
  }

  /**
   * A run's span (made and validated whole before anything is delivered): its transitions, with the
   * task spans that waited for it placed before its end, so the run's end comes after its tasks'.
   */
  function runSpan(span: DecodedSpan, records: readonly TransitionRecord[], run: RunFields): void {
    runs.learnRun(span.traceId, span.spanId, run);
    for (const record of records) if (!isFinal(record.state.type)) emit(record);
    runs.retry(span.traceId, place);
    for (const record of records) if (isFinal(record.state.type)) emit(record);
  }

  function ingestSpan(span: DecodedSpan): void {
    checkSpan(span, limits);
    const { traceId, spanId } = span;
    if (span.parentSpanId !== undefined) runs.learnParent(traceId, spanId, span.parentSpanId);
    if (span.scope.name === SCOPE_NAME) {
      if (isFlowSpan(span)) runSpan(span, flowSpanRecords(span), flowRunFields(span));
      else if (isTaskSpan(span)) taskSpan(span, taskSpanParts(span));
    } else if (isPipelineSpan(span)) {
      runSpan(span, pipelineRecords(span), pipelineRunFields(span));
    } else if (isPipelineTaskSpan(span)) {
      const parts = pipelineTaskParts(span);
      taskSpan(span, parts ? [parts] : []);
    }
    touched.add(traceId);
  }

  function ingestLogRecord(log: DecodedLogRecord): void {
    checkLogRecord(log, limits);
    const item = fromLogRecord(log);
    if (item?.kind === 'heartbeat') options.onHeartbeat(item.heartbeat);
    if (item?.kind === 'log') options.onRunLog?.(item.log);
    if (item?.kind !== 'transition') return;
    const { record } = item;
    if (log.traceId !== undefined && log.spanId !== undefined && record.flowRunId !== undefined) {
      // The span of a flow run's record is the flow span; of a task run's, the task span.
      runs.learnRun(log.traceId, log.spanId, {
        flow: record.flow,
        flowRunId: record.flowRunId,
        tags: record.tags,
        scheduledAt: record.scheduledAt,
      });
      touched.add(log.traceId);
    }
    emit(record);
  }

  function each<T>(
    items: readonly T[],
    kind: string,
    signal: RejectedSignal,
    ingestItem: (item: T) => void,
  ): IngestResult {
    let rejected = 0;
    let first: string | undefined;
    const reject = (reason: ItemRejection, message: string) => {
      rejected++;
      rejectedItems[reason] = (rejectedItems[reason] ?? 0) + 1;
      countBySignal(signal, reason);
      first ??= message;
    };
    try {
      items.forEach((item, i) => {
        if (i >= limits.maxItemsPerRequest) {
          reject(
            'too-many-items',
            `${items.length} ${kind} in one request (limit ${limits.maxItemsPerRequest})`,
          );
          return;
        }
        try {
          ingestItem(item);
        } catch (error) {
          if (!(error instanceof IngestProblem)) throw error;
          reject(error.reason, error.message);
        }
      });
    } finally {
      for (const traceId of touched) if (runs.hasWaiting(traceId)) runs.retry(traceId, place);
      touched.clear();
    }
    const result: IngestResult = { accepted: items.length - rejected, rejected };
    if (first !== undefined) {
      result.message = rejected === 1 ? first : `${rejected} ${kind} rejected, the first: ${first}`;
    }
    return result;
  }

  return {
    spans(items) {
      received.spans += items.length;
      return each(items, 'spans', 'traces', ingestSpan);
    },
    logs(items) {
      received.logRecords += items.length;
      return each(items, 'log records', 'logs', ingestLogRecord);
    },
    metrics(items: readonly DecodedMetric[]) {
      let points = 0;
      for (const metric of items) points += metric.dataPoints.length;
      received.metricPoints += points;
      return { accepted: points, rejected: 0 };
    },
    requestRejected(reason, signal = 'unknown') {
      rejectedRequests[reason] = (rejectedRequests[reason] ?? 0) + 1;
      countBySignal(signal, reason);
    },
    stats(): IngestStats {
      return {
        received: { ...received },
        rejected: {
          items: { ...rejectedItems },
          requests: { ...rejectedRequests },
          bySignal: Object.fromEntries(
            Object.entries(rejectedBySignal).map(([signal, reasons]) => [signal, { ...reasons }]),
          ),
        },
        duplicates,
        unattributed,
        waitingSpans: runs.waitingSpans,
      };
    },
  };
}
