/** The contract of OTLP ingest: decoded spans and log records in, transition records and heartbeats out. */
import type { TransitionRecord } from '../../runtime/transition.ts';
import type { DecodedLogRecord, DecodedMetric, DecodedSpan } from '../otlp/types.ts';

/** A `flowtel.heartbeat` log record: a run in flight said it is alive. */
export interface Heartbeat {
  runId: string;
  flow: string | undefined;
  /** The record's timestamp (the sender's clock), epoch ms. */
  atMs: number;
  /** The interval the run announced (`flowtel.heartbeat.interval_ms`); undefined from older senders. */
  intervalMs: number | undefined;
  /** The run's `seq` when it beat: a watcher can tell whether transitions were lost. */
  seq: number;
  traceId?: string;
}

/** A run log (`log.info` and the like inside a flow run), its attributes flattened to plain values. */
export interface RunLogRecord {
  readonly runId: string;
  readonly atMs: number;
  readonly level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly body: string;
  readonly task: string | null;
  readonly taskRunId: string | null;
  readonly attempt: number | null;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

/** What one request's items came to: the answer's OTLP partial success. */
export interface IngestResult {
  accepted: number;
  rejected: number;
  /** Why items were rejected (the first reason, and how many), when some were. */
  message?: string;
}

/**
 * Bounds on one item and one request, past which an item is rejected (the rest of the request is
 * accepted). The defaults are above what the OpenTelemetry SDKs send unless told otherwise (128
 * attributes and events per span, batches of 512 to a few thousand items).
 */
export interface IngestLimits {
  /** Attributes of one span, span event or log record. @default 1024 */
  maxAttributes?: number;
  /** Events of one span. @default 1024 */
  maxEvents?: number;
  /** Characters of any one string: a name, an attribute key or value, a body, a status message. @default 65536 */
  maxStringLength?: number;
  /** Spans, log records or metrics in one request; those past it are rejected. @default 65536 */
  maxItemsPerRequest?: number;
  /** Recent transitions remembered to drop a transition heard twice (a log record and a span, a resent batch). @default 100000 */
  recentKeys?: number;
  /** Spans and runs remembered to place a task span in its flow run. @default 100000 */
  knownSpans?: number;
  /** Task spans held until their flow run is known (its span or a log record arrives). @default 50000 */
  maxWaitingSpans?: number;
}

/** The signal of a rejection, as serve's metrics label it. */
export type RejectedSignal = 'traces' | 'logs' | 'metrics' | 'unknown';

/** Why an item was rejected. */
export type ItemRejection =
  | 'too-many-items'
  | 'too-many-attributes'
  | 'too-many-events'
  | 'string-too-long'
  | 'invalid-record';

export interface IngestStats {
  received: { spans: number; logRecords: number; metricPoints: number };
  rejected: {
    /** Items refused inside accepted requests, by reason. */
    items: Partial<Record<ItemRejection, number>>;
    /** Whole requests refused by the receiver (400, 413, 415, ...), by reason. */
    requests: Record<string, number>;
    /**
     * Both of the above by signal, then reason; `unknown` for a request refused before its path said
     * which signal it carries.
     */
    bySignal: Partial<Record<RejectedSignal, Record<string, number>>>;
  };
  /** Transitions heard a second time and dropped. */
  duplicates: number;
  /** Task spans whose flow run was never heard of before they had to be let go. */
  unattributed: number;
  /** Task spans waiting for their flow run now. */
  waitingSpans: number;
}

export interface IngestOptions {
  /** Every transition, once (within the window of `recentKeys`), as `flowtel run --record` writes it. */
  onTransition(record: TransitionRecord): void;
  onHeartbeat(heartbeat: Heartbeat): void;
  /** Every run log; left out, they are passed over. Must not block (serve writes them behind). */
  onRunLog?(log: RunLogRecord): void;
  limits?: IngestLimits;
}

/**
 * Ingest never throws on what a sender sent: a bad item is rejected and counted. What `onTransition`
 * or `onHeartbeat` throw propagates (the receiver answers 500 and the sender retries; what was already
 * delivered is then dropped as a duplicate).
 */
export interface Ingest {
  spans(items: readonly DecodedSpan[]): IngestResult;
  logs(items: readonly DecodedLogRecord[]): IngestResult;
  /** Metrics are counted, not evaluated. */
  metrics(items: readonly DecodedMetric[]): IngestResult;
  /** A whole request the receiver refused, counted by its reason (and signal, when known). */
  requestRejected(reason: string, signal?: RejectedSignal): void;
  stats(): IngestStats;
}
