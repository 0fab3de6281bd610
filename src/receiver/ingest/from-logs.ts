/**
 * `flowtel.state` and `flowtel.heartbeat` log records back into transition records and heartbeats:
 * the inverse of `logAttributes` (`src/runtime/transition-record.ts`) and `RunTelemetry.heartbeat`.
 * Run logs (`flowtel.log` with a flow run id) are handed on as they are, for serve to keep; other log
 * records (other programs' logs) are not flowtel's, and are passed over.
 */

import type { TransitionRecord } from '../../runtime/transition.ts';
import { Attr, EventName } from '../../telemetry/keys.ts';
import type { AttrValue, DecodedLogRecord } from '../otlp/types.ts';
import { epochMs, integer, isoTime, params, positive, stateOf, text, texts } from './attributes.ts';
import { IngestProblem } from './problem.ts';
import { transitionRecord } from './record.ts';
import type { Heartbeat, RunLogRecord } from './types.ts';

export type FromLogRecord =
  | { readonly kind: 'transition'; readonly record: TransitionRecord }
  | { readonly kind: 'heartbeat'; readonly heartbeat: Heartbeat }
  | { readonly kind: 'log'; readonly log: RunLogRecord }
  | undefined;

/** The event name: the record's own field, or the `event.name` attribute older SDKs wrote instead. */
function eventNameOf(log: DecodedLogRecord): string | undefined {
  if (log.eventName !== undefined) return log.eventName;
  const attribute = log.attributes['event.name'];
  return typeof attribute === 'string' ? attribute : undefined;
}

function timeOf(log: DecodedLogRecord): number {
  // The SDK sets the timestamp flowtel gives it; the observed time is the fallback OTLP allows.
  return epochMs(log.timeUnixNano > 0n ? log.timeUnixNano : log.observedTimeUnixNano, 'timeUnixNano');
}

export function fromLogRecord(log: DecodedLogRecord): FromLogRecord {
  const eventName = eventNameOf(log);
  if (eventName === EventName.STATE) return { kind: 'transition', record: transitionOf(log) };
  if (eventName === EventName.HEARTBEAT) return { kind: 'heartbeat', heartbeat: heartbeatOf(log) };
  if (eventName === EventName.LOG) return runLogOf(log);
  return undefined;
}

/** The keys a run log carries to say whose it is: fields of the record, not attributes of it. */
const OWN_KEYS: ReadonlySet<string> = new Set([
  Attr.PIPELINE_NAME,
  Attr.PIPELINE_RUN_ID,
  Attr.TASK_NAME,
  Attr.TASK_RUN_ID,
  Attr.ATTEMPT,
  'event.name',
]);

/**
 * A run log, read leniently: it is the run's data, not flowtel's state, so a field of the wrong kind is
 * left out (or the record passed over) rather than refused.
 */
function runLogOf(log: DecodedLogRecord): FromLogRecord {
  const a = log.attributes;
  const runId = a[Attr.PIPELINE_RUN_ID];
  if (typeof runId !== 'string' || runId === '') return undefined;
  const stamp = log.timeUnixNano > 0n ? log.timeUnixNano : log.observedTimeUnixNano;
  const atMs = Number(stamp / 1_000_000n);
  if (stamp <= 0n || atMs > 8.64e15) return undefined;
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(a)) {
    if (OWN_KEYS.has(key) || value === null || value === undefined) continue;
    // defineProperty, so a key named "__proto__" stays data.
    Object.defineProperty(attributes, key, {
      value: plain(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const body = log.body;
  const task = a[Attr.TASK_NAME];
  const taskRunId = a[Attr.TASK_RUN_ID];
  const attempt = a[Attr.ATTEMPT];
  return {
    kind: 'log',
    log: {
      runId,
      atMs,
      level: levelOf(log.severityNumber),
      body: typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body, bigints),
      task: typeof task === 'string' ? task : null,
      taskRunId: typeof taskRunId === 'string' ? taskRunId : null,
      attempt: typeof attempt === 'number' && Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : null,
      attributes,
    },
  };
}

/** The OpenTelemetry severity ranges (1-8 TRACE/DEBUG, 9 INFO, 13 WARN, 17+ ERROR/FATAL); unset is INFO. */
function levelOf(severityNumber: number): RunLogRecord['level'] {
  if (severityNumber >= 17) return 'ERROR';
  if (severityNumber >= 13) return 'WARN';
  if (severityNumber >= 9 || severityNumber <= 0) return 'INFO';
  return 'DEBUG';
}

/** A string, number or boolean as it is; a large integer as its digits; bytes, lists and maps as JSON. */
function plain(value: AttrValue): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, bigints);
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function transitionOf(log: DecodedLogRecord): TransitionRecord {
  const a = log.attributes;
  const seq = integer(a, Attr.SEQ, 0);
  if (seq === undefined) throw new IngestProblem('invalid-record', `${Attr.SEQ} is missing`);
  const task = text(a, Attr.TASK_NAME);
  const errorType = text(a, Attr.ERROR_TYPE);
  const errorMessage = text(a, Attr.ERROR_MESSAGE);
  return transitionRecord({
    seq,
    atMs: timeOf(log),
    flow: text(a, Attr.PIPELINE_NAME),
    flowRunId: text(a, Attr.PIPELINE_RUN_ID),
    task,
    taskRunId: text(a, Attr.TASK_RUN_ID),
    attempt: integer(a, Attr.ATTEMPT, 1) ?? 1,
    state: stateOf(a),
    message: text(a, Attr.STATE_MESSAGE),
    error:
      errorType === undefined && errorMessage === undefined
        ? undefined
        : { type: errorType ?? 'Error', message: errorMessage ?? '' },
    traceId: log.traceId,
    spanId: log.spanId,
    tags: texts(a, Attr.FLOW_TAGS) ?? [],
    scheduledAt: isoTime(a, Attr.FLOW_SCHEDULED_TIME) ?? null,
    params: task === undefined ? params(a) : undefined,
    parentFlowRunId: text(a, Attr.FLOW_PARENT_RUN_ID),
    startedAt: isoTime(a, Attr.STARTED_AT),
  });
}

function heartbeatOf(log: DecodedLogRecord): Heartbeat {
  const a = log.attributes;
  const runId = text(a, Attr.PIPELINE_RUN_ID);
  if (runId === undefined || runId === '') {
    throw new IngestProblem('invalid-record', `heartbeat without ${Attr.PIPELINE_RUN_ID}`);
  }
  return {
    runId,
    flow: text(a, Attr.PIPELINE_NAME),
    atMs: timeOf(log),
    intervalMs: positive(a, Attr.HEARTBEAT_INTERVAL_MS),
    seq: integer(a, Attr.SEQ, 0) ?? 0,
    ...(log.traceId === undefined ? {} : { traceId: log.traceId }),
  };
}
